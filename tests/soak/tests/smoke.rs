//! A three-second run of each part, so the soak keeps building and its oracle keeps agreeing
//! with the servers. Nothing here is timed: only wrong answers fail it.

use std::time::Duration;

use soak::{Settings, api_soak, tenant_soak};

const SMOKE: Settings = Settings {
    duration: Duration::from_secs(3),
};

#[test]
fn a_short_api_soak_through_a_key_rotation_and_an_issuer_restart_has_no_wrong_answer() {
    let report = api_soak::run(&SMOKE).expect("the api part runs");
    assert!(report.requests() > 0, "{report}");
    assert_eq!(report.wrong(), 0, "{report}");
}

#[test]
fn a_short_dev_tenant_soak_of_logins_refreshes_and_floods_has_no_wrong_answer() {
    let report = tenant_soak::run(&SMOKE).expect("the tenant part runs");
    assert!(report.requests() > 0, "{report}");
    assert_eq!(report.wrong(), 0, "{report}");
}
