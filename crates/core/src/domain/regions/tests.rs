use super::*;

fn three() -> Regions {
    Regions::parse(Some("eu=44,49,33; us=1; ap=61,81"), Some("eu")).unwrap()
}

#[test]
fn numbers_route_by_their_calling_code_and_the_rest_to_the_default() {
    let r = three();
    let name = |input: &str| {
        let number = PhoneNumber::parse(input, None).unwrap();
        r.name(r.of_number(&number)).unwrap()
    };
    assert_eq!(name("+44 20 7946 0958"), "eu");
    assert_eq!(name("+4915123456789"), "eu");
    assert_eq!(name("+1 (415) 555-2671"), "us");
    assert_eq!(name("+61 412 345 678"), "ap");
    assert_eq!(name("+81312345678"), "ap");
    // Codes nobody listed go to the default region.
    assert_eq!(name("+989121234567"), "eu");
    assert_eq!(name("+7 912 345 67 89"), "eu");
}

#[test]
fn national_input_is_routed_by_the_deployments_phone_region() {
    let r = three();
    let of = |input: &str, national: &str| {
        let number = PhoneNumber::parse(input, Some(national.parse().unwrap())).unwrap();
        r.name(r.of_number(&number))
    };
    assert_eq!(of("(415) 555-2671", "US"), Some("us"));
    assert_eq!(of("0412 345 678", "AU"), Some("ap"));
}

#[test]
fn a_three_digit_code_is_its_own_not_a_listed_prefix_of_it() {
    // 350 is Gibraltar's code; 35 is no code, and a list naming it routes nothing there.
    let r = Regions::parse(Some("a=350;b=1;c=35"), Some("b")).unwrap();
    let number = PhoneNumber::parse("+35020012345", None).unwrap();
    assert_eq!(r.name(r.of_number(&number)), Some("a"));
}

#[test]
fn the_default_region_is_the_first_listed_unless_named() {
    let r = Regions::parse(Some("us=1;eu=44"), None).unwrap();
    assert_eq!(r.name(r.default_region()), Some("us"));
    let named: Vec<_> = r.ids().map(|id| r.name(id).unwrap()).collect();
    assert_eq!(named, ["us", "eu"]);
    let r = Regions::parse(Some("us=1;eu=44"), Some("eu")).unwrap();
    let named: Vec<_> = r.ids().map(|id| r.name(id).unwrap()).collect();
    assert_eq!(named, ["eu", "us"], "the default region comes first");
}

#[test]
fn no_setting_is_one_unnamed_region() {
    let r = Regions::parse(None, None).unwrap();
    assert_eq!(r, Regions::single());
    assert_eq!(r.len(), 1);
    assert_eq!(
        r.name(r.of_number(&PhoneNumber::parse("+442079460958", None).unwrap())),
        None
    );
    assert_eq!(r.of_tag(None), Some(RegionId(0)));
    assert_eq!(r.of_tag(Some("eu")), None);
    assert_eq!(Regions::parse(Some("  "), None).unwrap(), Regions::single());
}

#[test]
fn bad_settings_are_refused_with_the_reason() {
    for (spec, default, says) in [
        (Some("eu"), None, "name=codes"),
        (Some("EU=44"), None, "lower-case"),
        (Some("1eu=44"), None, "starting with a letter"),
        (Some("averyveryverylongname=44"), None, "1-12"),
        (Some("eu=44;eu=49"), None, "twice"),
        (Some("eu=44;us=44"), None, "two regions"),
        (Some("eu=4x"), None, "not a calling code"),
        (Some("eu=0"), None, "not a calling code"),
        (Some("eu=1000"), None, "not a calling code"),
        (Some("eu=44"), Some("us"), "not in DATA_REGIONS"),
        (None, Some("eu"), "needs DATA_REGIONS"),
        (Some(";;"), None, "names no region"),
        (
            Some("a=1;b=2;c=3;d=4;e=5;f=6;g=7;h=8;i=9"),
            None,
            "more than 8",
        ),
    ] {
        let err = Regions::parse(spec, default).unwrap_err();
        assert!(err.contains(says), "{spec:?}/{default:?}: {err}");
    }
}

#[test]
fn tokens_carry_their_region_in_front_and_untagged_tokens_belong_to_the_default() {
    let r = three();
    let token = "A".repeat(64);
    let us = tagged(Some("us"), token.clone());
    assert_eq!(us, format!("us.{token}"));
    let (tag, rest) = split_tag(&us);
    assert_eq!((tag, rest), (Some("us"), token.as_str()));
    assert_eq!(r.of_tag(tag), r.named("us"));
    assert_eq!(split_tag(&token), (None, token.as_str()));
    assert_eq!(r.of_tag(None), Some(r.default_region()));
    assert_eq!(r.of_tag(Some("mars")), None);
    // Something before a dot that is no region name is part of the token (and fails its parse).
    assert_eq!(split_tag("EU.abc"), (None, "EU.abc"));
    assert_eq!(tagged(None, token.clone()), token);
}

#[test]
fn a_first_login_asks_the_former_regions_the_default_one_unless_set() {
    let r = three();
    let (eu, us, ap) = (
        r.named("eu").unwrap(),
        r.named("us").unwrap(),
        r.named("ap").unwrap(),
    );
    assert_eq!(r.former_of(us), [eu], "the database from before regions");
    assert!(r.former_of(eu).is_empty(), "the default region asks nobody");
    let moved = three().with_former(Some("eu, ap")).unwrap();
    assert_eq!(moved.former_of(us), [eu, ap]);
    assert_eq!(moved.former_of(ap), [eu]);
    let settled = three().with_former(Some("none")).unwrap();
    assert!(settled.former_of(us).is_empty());
    let err = three().with_former(Some("mars")).unwrap_err();
    assert!(err.contains("DATA_REGIONS_FORMER"), "{err}");
    let err = Regions::single().with_former(Some("eu")).unwrap_err();
    assert!(err.contains("needs DATA_REGIONS"), "{err}");
    assert!(Regions::single().former_of(RegionId(0)).is_empty());
}
