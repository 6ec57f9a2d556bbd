//! The latency-versus-load chart as a standalone SVG: offered rate on x, latency (log scale) on
//! y, a solid line for p50 and a dashed one for p99 per endpoint.

pub struct Series {
    pub name: String,
    /// (offered requests/s, p50 ms, p99 ms)
    pub points: Vec<(f64, f64, f64)>,
}

const COLORS: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
];
const W: f64 = 760.0;
const H: f64 = 460.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 180.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;

pub fn svg(title: &str, series: &[Series]) -> String {
    let points = || series.iter().flat_map(|s| s.points.iter());
    let max_x = points().map(|p| p.0).fold(1.0, f64::max);
    let lat = || {
        points()
            .flat_map(|p| [p.1, p.2])
            .filter(|v| v.is_finite() && *v > 0.0)
    };
    let lo = 10f64.powf(lat().fold(f64::MAX, f64::min).log10().floor());
    let hi = 10f64.powf(lat().fold(0.0, f64::max).log10().ceil());
    let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let x = |v: f64| LEFT + v / max_x * pw;
    let y = |v: f64| TOP + ph - (v.max(lo).log10() - lo.log10()) / (hi.log10() - lo.log10()) * ph;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{title}</text>\n",
        LEFT + pw / 2.0
    );
    // Axes, decade grid lines and x ticks.
    out += &format!(
        "<rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#444\"/>\n"
    );
    let mut decade = lo;
    while decade <= hi * 1.0001 {
        let yy = y(decade);
        out += &format!(
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#ddd\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
            LEFT + pw,
            LEFT - 6.0,
            yy + 4.0,
            trim(decade)
        );
        decade *= 10.0;
    }
    for i in 0..=5 {
        let v = max_x * i as f64 / 5.0;
        out += &format!(
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{:.0}</text>\n",
            x(v),
            TOP + ph + 18.0,
            v
        );
    }
    out += &format!(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">offered load (requests/s)</text>\n\
         <text transform=\"translate(18 {}) rotate(-90)\" text-anchor=\"middle\">latency (ms, log scale)</text>\n",
        LEFT + pw / 2.0,
        H - 18.0,
        TOP + ph / 2.0
    );
    for (i, s) in series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        for (pick, dash) in [(1usize, ""), (2, " stroke-dasharray=\"5 4\"")] {
            let path: Vec<String> = s
                .points
                .iter()
                .map(|p| {
                    let v = if pick == 1 { p.1 } else { p.2 };
                    format!("{:.1},{:.1}", x(p.0), y(v))
                })
                .collect();
            out += &format!(
                "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{dash} points=\"{}\"/>\n",
                path.join(" ")
            );
        }
        let ly = TOP + 14.0 + i as f64 * 20.0;
        out += &format!(
            "<line x1=\"{0}\" x2=\"{1}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{color}\" stroke-width=\"2\"/>\
             <text x=\"{2}\" y=\"{3}\">{4}</text>\n",
            W - RIGHT + 12.0,
            W - RIGHT + 36.0,
            W - RIGHT + 42.0,
            ly + 4.0,
            s.name
        );
    }
    let ly = TOP + 20.0 + series.len() as f64 * 20.0;
    out += &format!(
        "<text x=\"{}\" y=\"{ly}\" fill=\"#444\">solid: p50, dashed: p99</text>\n</svg>\n",
        W - RIGHT + 12.0
    );
    out
}

fn trim(v: f64) -> String {
    if v >= 1.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}
