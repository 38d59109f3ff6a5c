use secrecy::SecretSlice;

use super::*;

fn keys(pepper: &[u8]) -> ApiKeys {
    ApiKeys::new(SecretSlice::from(pepper.to_vec()))
}

#[test]
fn a_minted_key_names_its_kind_parses_and_verifies_against_its_stored_hash() {
    let keys = keys(&[7; 32]);
    for kind in [KeyKind::Staff, KeyKind::Partner] {
        let minted = keys.mint(kind);
        assert!(minted.key.starts_with(kind.prefix()), "{}", minted.key);
        assert!(is_api_key(&minted.key));
        let presented = parse(&minted.key).expect("a key's shape");
        assert_eq!(presented.kind, kind);
        assert_eq!(presented.lookup, minted.lookup);
        assert!(keys.verify(&presented, &minted.secret_hash));
        assert!(!minted.secret_hash.contains(&minted.key[9..]));
    }
}

#[test]
fn a_key_changed_in_one_digit_or_hashed_under_another_pepper_does_not_verify() {
    let keys_a = keys(&[7; 32]);
    let minted = keys_a.mint(KeyKind::Staff);
    let mut other = minted.key.clone();
    let last = other.pop().expect("a digit");
    other.push(if last == '0' { '1' } else { '0' });
    assert!(!keys_a.verify(&parse(&other).expect("shape"), &minted.secret_hash));
    let keys_b = keys(&[8; 32]);
    assert!(!keys_b.verify(&parse(&minted.key).expect("shape"), &minted.secret_hash));
}

#[test]
fn values_without_a_keys_exact_shape_are_not_keys() {
    let good = keys(&[1; 32]).mint(KeyKind::Staff).key;
    for odd in [
        "",
        "rpk_live_",
        "eyJhbGciOiJIUzI1NiJ9.e30.sig",
        &good[..good.len() - 1],
        &format!("{good}0"),
        &good.replace("rpk_live_", "rpk_test_"),
        &good.to_uppercase(),
    ] {
        assert!(parse(odd).is_none(), "{odd:?}");
    }
}

#[test]
fn last_use_is_due_once_per_gap_per_key() {
    let keys = keys(&[1; 32]);
    assert!(keys.due_for_last_use(1));
    assert!(!keys.due_for_last_use(1));
    assert!(keys.due_for_last_use(2));
}

#[test]
fn a_partner_tokens_last_use_is_due_once_per_gap_per_token() {
    let keys = keys(&[1; 32]);
    assert!(keys.due_for_token_use("token-a"));
    assert!(!keys.due_for_token_use("token-a"));
    assert!(keys.due_for_token_use("token-b"));
}
