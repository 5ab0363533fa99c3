use super::*;
use crate::Factor;
use crate::acr::ACR_PHISHING_RESISTANT;
use crate::app::{AppMfa, AppMfaMode};
use crate::authorize::ValidRequest;
use crate::capabilities::Capabilities;
use crate::lockout::LockState;

const NOW: UnixTime = UnixTime(1_000_000);

struct World {
    settings: LoginSettings,
    app: App,
    request: AuthRequest,
    session: Session,
    active: Vec<Factor>,
    lock: Option<LockState>,
    signals: Signals,
    server: Capabilities,
}

fn world() -> World {
    let mut settings = LoginSettings::default();
    // App modes are about sign-ins MFA is not otherwise asked of; a second factor the user set
    // up is their opt-in and would be asked every time.
    settings.mfa.enrolled_factors_required = false;
    let session = Session::new("s".into(), "t".into(), NOW.minus_seconds(60), &settings);
    World {
        app: App {
            client_id: "c".into(),
            tenant_id: "t".into(),
            name: "App".into(),
            public: false,
            secret_hash: None,
            redirect_uris: vec!["https://app.example.com/cb".into()],
            login_url: None,
            mfa: AppMfa::default(),
            created_at: UnixTime(0),
            updated_at: UnixTime(0),
        },
        request: AuthRequest {
            id: "r".into(),
            tenant_id: "t".into(),
            request: ValidRequest {
                client_id: "c".into(),
                redirect_uri: "https://app.example.com/cb".into(),
                scope: vec!["openid".into()],
                state: None,
                nonce: None,
                code_challenge: None,
                acr_values: vec![],
                max_age: None,
                prompt: None,
            },
            created_at: NOW.minus_seconds(120),
            expires_at: NOW.plus_seconds(480),
            session_id: None,
            consumed_at: None,
        },
        settings,
        session,
        active: vec![Factor::Totp],
        lock: None,
        signals: Signals::default(),
        // A server with neither WebAuthn nor a code transport: TOTP is the second factor here.
        server: Capabilities {
            sms: false,
            email: false,
            webauthn: false,
        },
    }
}

impl World {
    fn passed(mut self, factor: Factor, seconds_ago: u64) -> World {
        self.session
            .record_pass(factor, NOW.minus_seconds(seconds_ago));
        self
    }

    fn mode(mut self, mfa: AppMfa) -> World {
        self.app.mfa = mfa;
        self
    }

    fn acr(mut self, values: &[&str]) -> World {
        self.request.request.acr_values = values.iter().map(|v| (*v).to_owned()).collect();
        self
    }

    fn decide(&self) -> Outcome {
        decide(&Precheck {
            settings: &self.settings,
            server: self.server,
            app: &self.app,
            request: &self.request,
            session: &self.session,
            user: UserMfa {
                mfa_enabled: false,
                required_factors: &[],
                active_factors: &self.active,
            },
            lock: self.lock,
            signals: self.signals,
            now: NOW,
        })
    }
}

fn always() -> AppMfa {
    AppMfa {
        mode: AppMfaMode::Always,
        ..AppMfa::default()
    }
}

fn ready(outcome: &Outcome) -> &Authentication {
    match &outcome.decision {
        Decision::Ready(auth) => auth,
        other => panic!("expected a code, got {other:?}"),
    }
}

fn next(outcome: &Outcome) -> Vec<Factor> {
    match &outcome.decision {
        Decision::MfaRequired(info) => info.next.clone(),
        other => panic!("expected mfa_required, got {other:?}"),
    }
}

#[test]
fn nothing_is_issued_without_a_first_factor() {
    assert_eq!(world().decide().decision, Decision::LoginRequired);
    let only_totp = world().passed(Factor::Totp, 10);
    assert_eq!(only_totp.decide().decision, Decision::LoginRequired);
}

#[test]
fn a_password_is_enough_where_nobody_asks_for_more_and_says_so_in_the_token() {
    let outcome = world().passed(Factor::Password, 30).decide();
    let auth = ready(&outcome);
    assert_eq!(auth.amr, vec!["pwd"]);
    assert_eq!(auth.acr, ACR_PASSWORD);
    assert_eq!(auth.auth_time, NOW.minus_seconds(30));
}

#[test]
fn an_always_app_needs_the_second_factor_and_then_reports_mfa() {
    let w = world().mode(always()).passed(Factor::Password, 30);
    assert_eq!(next(&w.decide()), vec![Factor::Totp]);
    let w = w.passed(Factor::Totp, 5);
    let outcome = w.decide();
    let auth = ready(&outcome);
    assert_eq!(auth.amr, vec!["pwd", "otp", "mfa"]);
    assert_eq!(auth.acr, ACR_MFA);
    assert!(outcome.app_requires_mfa);
}

#[test]
fn an_expired_second_factor_no_longer_counts() {
    let lifetime = LoginSettings::default().second_factor_check_lifetime;
    let w = world()
        .mode(always())
        .passed(Factor::Password, 30)
        .passed(Factor::Totp, lifetime);
    assert_eq!(next(&w.decide()), vec![Factor::Totp]);
}

#[test]
fn max_age_and_prompt_login_need_a_fresh_first_factor() {
    let mut w = world().passed(Factor::Password, 100);
    w.request.request.max_age = Some(100 - MAX_AGE_LEEWAY_SECONDS - 1);
    assert_eq!(w.decide().decision, Decision::LoginRequired);
    w.request.request.max_age = Some(100 - MAX_AGE_LEEWAY_SECONDS);
    ready(&w.decide());
    // max_age=0 means "just now", not "within the same clock second".
    let mut w = world().passed(Factor::Password, 1);
    w.request.request.max_age = Some(0);
    ready(&w.decide());

    let mut w = world().passed(Factor::Password, 121);
    w.request.request.prompt = Some(Prompt::Login);
    assert_eq!(w.decide().decision, Decision::LoginRequired);
    let w = w.passed(Factor::Password, 1);
    ready(&w.decide());
}

#[test]
fn a_locked_user_is_told_so_only_after_a_first_factor_and_gets_no_code_even_when_all_else_holds() {
    let mut w = world();
    w.lock = Some(LockState::Until(NOW.plus_seconds(600)));
    assert_eq!(w.decide().decision, Decision::LoginRequired);
    let w = w.passed(Factor::Password, 10);
    let locked = Decision::Locked(LockState::Until(NOW.plus_seconds(600)));
    assert_eq!(w.decide().decision, locked, "password alone would do");
    let strict = w.mode(always());
    assert_eq!(strict.decide().decision, locked, "not mfa_required first");
}

#[test]
fn what_satisfied_a_weaker_app_does_not_satisfy_a_stronger_one() {
    let w = world()
        .passed(Factor::Password, 30)
        .passed(Factor::OtpEmail, 20);
    ready(&w.decide());
    let stricter = w.mode(AppMfa {
        mode: AppMfaMode::Always,
        require: Some(Requirement::Factor(Factor::Totp)),
        ..AppMfa::default()
    });
    assert_eq!(next(&stricter.decide()), vec![Factor::Totp]);
}

#[test]
fn acr_values_pick_the_first_reachable_level_never_the_weakest_that_holds() {
    let w = world()
        .acr(&[ACR_MFA, ACR_PASSWORD])
        .passed(Factor::Password, 30);
    assert_eq!(next(&w.decide()), vec![Factor::Totp]);
    let w = w.passed(Factor::Totp, 5);
    assert_eq!(ready(&w.decide()).acr, ACR_MFA);

    // Nobody here can use WebAuthn yet, so `phr` is passed over for the next level named.
    let w = world()
        .acr(&[ACR_PHISHING_RESISTANT, ACR_MFA])
        .passed(Factor::Password, 30);
    assert_eq!(next(&w.decide()), vec![Factor::Totp]);

    // A user with no second factor and none that can be set up cannot reach `mfa`.
    let mut w = world().acr(&[ACR_MFA]).passed(Factor::Password, 30);
    w.active.clear();
    w.settings.second_factors.clear();
    assert!(matches!(w.decide().decision, Decision::Unsatisfiable(_)));
}

#[test]
fn unknown_or_unreachable_acr_values_are_refused_not_ignored() {
    let w = world()
        .acr(&["urn:example:gold"])
        .passed(Factor::Password, 30);
    assert!(matches!(w.decide().decision, Decision::Unsatisfiable(_)));
    let w = world()
        .acr(&[ACR_PHISHING_RESISTANT])
        .passed(Factor::Password, 30)
        .passed(Factor::Totp, 5);
    assert!(matches!(w.decide().decision, Decision::Unsatisfiable(_)));
}

#[test]
fn time_based_asks_again_once_the_last_second_factor_is_older_than_the_period() {
    let mut w = world()
        .mode(AppMfa {
            mode: AppMfaMode::TimeBased,
            period_seconds: Some(3600),
            ..AppMfa::default()
        })
        .passed(Factor::Password, 30);
    w.signals.last_second_factor_at = Some(NOW.minus_seconds(3599));
    ready(&w.decide());
    w.signals.last_second_factor_at = Some(NOW.minus_seconds(3600));
    assert_eq!(next(&w.decide()), vec![Factor::Totp]);
}

#[test]
fn smart_mode_asks_when_the_risk_reaches_the_threshold_and_says_why() {
    let mut w = world()
        .mode(AppMfa {
            mode: AppMfaMode::Smart,
            risk_threshold: Some(50),
            ..AppMfa::default()
        })
        .passed(Factor::Password, 30);
    w.signals = Signals {
        known_device: true,
        known_network: true,
        recent_failures: 0,
        last_second_factor_at: Some(NOW.minus_seconds(86_400)),
    };
    let familiar = w.decide();
    assert_eq!(familiar.risk.score, 0);
    ready(&familiar);
    w.signals.known_device = false;
    w.signals.known_network = false;
    let strange = w.decide();
    assert!(strange.risk.score >= 50);
    assert_eq!(
        strange.risk.reasons,
        vec![risk::Reason::UnknownDevice, risk::Reason::NewNetwork]
    );
    assert_eq!(next(&strange), vec![Factor::Totp]);
}

#[test]
fn an_app_that_forbids_trusted_devices_reads_a_trusted_one_as_unknown() {
    let smart = AppMfa {
        mode: AppMfaMode::Smart,
        risk_threshold: Some(40),
        ..AppMfa::default()
    };
    let mut w = world().mode(smart.clone()).passed(Factor::Password, 30);
    w.signals = Signals {
        known_device: true,
        known_network: true,
        recent_failures: 0,
        last_second_factor_at: Some(NOW.minus_seconds(60)),
    };
    ready(&w.decide());
    let w = w.mode(AppMfa {
        forbid_trusted_devices: true,
        ..smart
    });
    let outcome = w.decide();
    assert_eq!(outcome.risk.reasons, vec![risk::Reason::UnknownDevice]);
    assert_eq!(next(&outcome), vec![Factor::Totp]);
}

#[test]
fn a_second_factor_in_this_session_is_the_latest_one_for_time_based_mode() {
    let w = world()
        .mode(AppMfa {
            mode: AppMfaMode::TimeBased,
            period_seconds: Some(3600),
            ..AppMfa::default()
        })
        .passed(Factor::Password, 30)
        .passed(Factor::Totp, 10);
    let outcome = w.decide();
    assert!(!outcome.app_requires_mfa);
    assert_eq!(ready(&outcome).amr, vec!["pwd", "otp", "mfa"]);
}

#[test]
fn security_questions_pass_a_second_factor_but_never_make_the_sign_in_multi_factor() {
    let mut w = world()
        .mode(always())
        .passed(Factor::Password, 30)
        .passed(Factor::SecurityQuestions, 5);
    w.settings.second_factors.push(Factor::SecurityQuestions);
    w.active = vec![Factor::SecurityQuestions];
    let outcome = w.decide();
    let auth = ready(&outcome);
    assert_eq!(auth.amr, vec!["pwd", "kba"]);
    assert_eq!(auth.acr, ACR_PASSWORD);
    let w = w.acr(&[ACR_MFA]);
    assert!(!matches!(w.decide().decision, Decision::Ready(_)));
    let w = w.passed(Factor::Totp, 1);
    assert_eq!(ready(&w.decide()).acr, ACR_MFA);
}

#[test]
fn a_totp_code_alone_signs_in_where_totp_is_a_first_factor_and_says_otp() {
    let w = world().passed(Factor::Totp, 20);
    assert_eq!(w.decide().decision, Decision::LoginRequired);
    let mut w = w;
    w.app.mfa.first_factors = vec![Factor::Password, Factor::Totp];
    let outcome = w.decide();
    let auth = ready(&outcome);
    assert_eq!(auth.amr, vec!["otp"]);
    assert_eq!(auth.acr, ACR_PASSWORD);
    assert_eq!(auth.auth_time, NOW.minus_seconds(20));
    // An app that needs MFA asks for the password too: the code opened the sign-in.
    w.app.mfa.mode = AppMfaMode::Always;
    assert_eq!(next(&w.decide()), vec![Factor::Password]);
}
