// Renders the API reference for the document this deployment serves at /openapi.yaml (the
// active profile's). A file of its own, not an inline script, so the page's Content-Security-
// Policy (assets/_headers) can forbid inline scripts. The document names no server, so "Try it
// out" sends its requests to the origin that served the page.
window.ui = SwaggerUIBundle({
  url: "/openapi.yaml",
  dom_id: "#swagger-ui",
  deepLinking: true,
  // No badge from the public validator: the page talks to this origin only.
  validatorUrl: null,
});
