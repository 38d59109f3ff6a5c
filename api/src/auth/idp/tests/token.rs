//! Provider tokens: what is refused before and after the key lookup, and what a good one says.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rapport_domain::role::Role;
use serde_json::{Value, json};

use super::*;
use crate::auth::jwt::AuthRejection;

struct Setup {
    keys: JwtKeys,
    _dir: tempfile::TempDir,
}

fn setup(settings: &JwtSettings) -> Setup {
    let (script, clock) = (Script::new(), TestClock::new());
    script.serve(&[key_a(), rsa_key("rsa-1")]);
    let (keys, _, dir) = keys_with(settings, &script, &clock);
    Setup { keys, _dir: dir }
}

impl Setup {
    async fn verify(&self, token: &str) -> Result<ProviderIdentity, AuthRejection> {
        let provider = self.keys.provider().expect("a provider is configured");
        provider.verify(&self.keys, token).await
    }
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

fn unsigned(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

#[tokio::test]
async fn a_provider_token_names_its_user() {
    let setup = setup(&provider_settings());
    let claims = with(provider_claims("kc-1234"), "name", json!("Ada Lovelace"));
    for kid in [KID_A, "rsa-1"] {
        let identity = setup
            .verify(&sign(Some(kid), &claims))
            .await
            .expect("valid");
        assert_eq!(
            identity,
            ProviderIdentity {
                subject: "kc-1234".into(),
                email: Some("kc-1234@example.test".into()),
                email_verified: Some(true),
                name: Some("Ada Lovelace".into()),
                roles: Vec::new(),
            }
        );
    }
}

#[tokio::test]
async fn an_audience_array_containing_ours_is_accepted_and_one_without_it_refused() {
    let setup = setup(&provider_settings());
    let ok = with(provider_claims("u"), "aud", json!(["account", AUDIENCE]));
    setup
        .verify(&sign(Some(KID_A), &ok))
        .await
        .expect("aud array with ours");
    let other = with(provider_claims("u"), "aud", json!(["account", "billing"]));
    assert_eq!(
        setup.verify(&sign(Some(KID_A), &other)).await,
        Err(AuthRejection::WrongAudience)
    );
    let wrong = with(provider_claims("u"), "aud", json!("rapport-api"));
    assert_eq!(
        setup.verify(&sign(Some(KID_A), &wrong)).await,
        Err(AuthRejection::WrongAudience)
    );
}

#[tokio::test]
async fn a_wrong_issuer_is_refused() {
    let setup = setup(&provider_settings());
    for iss in [json!("https://evil.example.test/"), json!("rapport")] {
        let claims = with(provider_claims("u"), "iss", iss);
        assert_eq!(
            setup.verify(&sign(Some(KID_A), &claims)).await,
            Err(AuthRejection::WrongIssuer)
        );
    }
}

#[tokio::test]
async fn alg_none_hmac_and_tokens_without_kid_are_refused_before_any_key_lookup() {
    let setup = setup(&provider_settings());
    let claims = provider_claims("u");
    let none = unsigned(&json!({"alg": "none", "kid": KID_A}), &claims);
    assert_eq!(
        setup.verify(&none).await,
        Err(AuthRejection::AlgorithmNotAllowed)
    );
    let none_sig = format!("{none}AAAA");
    assert_eq!(
        setup.verify(&none_sig).await,
        Err(AuthRejection::AlgorithmNotAllowed)
    );
    // HS256 "signed" with the provider's public key as the secret: key confusion.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(KID_A.into());
    let public = key_a().to_string();
    let forged = jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_secret(public.as_bytes()),
    )
    .expect("sign");
    assert_eq!(
        setup.verify(&forged).await,
        Err(AuthRejection::AlgorithmNotAllowed)
    );
    assert_eq!(
        setup.verify(&sign(None, &claims)).await,
        Err(AuthRejection::MissingKeyId)
    );
}

#[tokio::test]
async fn expired_and_overlong_tokens_are_refused() {
    let setup = setup(&provider_settings());
    let expired = with(provider_claims("u"), "exp", json!(now_ts() - 600));
    assert_eq!(
        setup.verify(&sign(Some(KID_A), &expired)).await,
        Err(AuthRejection::Expired)
    );
    let forever = with(provider_claims("u"), "exp", json!(now_ts() + 400 * 86_400));
    assert_eq!(
        setup.verify(&sign(Some(KID_A), &forever)).await,
        Err(AuthRejection::LifetimeTooLong)
    );
}

#[tokio::test]
async fn a_token_signed_by_another_key_than_its_kid_names_is_refused() {
    let setup = setup(&provider_settings());
    // Signed with B's private key but naming A.
    let token = sign(Some(KID_B), &provider_claims("u"));
    let (_, rest) = token.split_once('.').expect("compact");
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "ES256", "kid": KID_A}).to_string());
    assert_eq!(
        setup.verify(&format!("{header}.{rest}")).await,
        Err(AuthRejection::InvalidSignature)
    );
}

#[tokio::test]
async fn claims_are_read_where_the_settings_say() {
    let settings = JwtSettings {
        subject_claim: "oid".into(),
        email_claim: "preferred_username".into(),
        role_claim: Some("realm_access.roles".into()),
        role_map: [("crm-admin", "ADMIN"), ("crm-agent", "SUPPORT_AGENT")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        ..provider_settings()
    };
    let setup = setup(&settings);
    let mut claims = provider_claims("ignored");
    claims["oid"] = json!("0f1e-2d3c");
    claims["preferred_username"] = json!("ada@example.test");
    claims["realm_access"] = json!({"roles": ["offline_access", "crm-agent", "crm-admin"]});
    let identity = setup
        .verify(&sign(Some(KID_A), &claims))
        .await
        .expect("valid");
    assert_eq!(identity.subject, "0f1e-2d3c");
    assert_eq!(identity.email.as_deref(), Some("ada@example.test"));
    let provider = setup.keys.provider().expect("provider");
    assert_eq!(
        provider.mapped_role(&identity.roles),
        Some(Some(Role::Admin))
    );
    assert_eq!(provider.mapped_role(&["offline_access".into()]), Some(None));

    claims["oid"] = json!(42);
    assert_eq!(
        setup.verify(&sign(Some(KID_A), &claims)).await,
        Err(AuthRejection::InvalidClaim("sub"))
    );
}

#[tokio::test]
async fn without_a_role_map_the_claim_holds_rapport_role_names_but_never_partner() {
    let settings = JwtSettings {
        role_claim: Some("roles".into()),
        ..provider_settings()
    };
    let setup = setup(&settings);
    let provider = setup.keys.provider().expect("provider");
    assert_eq!(
        provider.mapped_role(&["VIEWER".into(), "ACCOUNT_MANAGER".into()]),
        Some(Some(Role::AccountManager))
    );
    assert_eq!(provider.mapped_role(&["PARTNER".into()]), Some(None));
    let no_claim = setup_without_role_claim();
    assert_eq!(
        no_claim
            .keys
            .provider()
            .expect("provider")
            .mapped_role(&["ADMIN".into()]),
        None
    );
}

fn setup_without_role_claim() -> Setup {
    setup(&provider_settings())
}
