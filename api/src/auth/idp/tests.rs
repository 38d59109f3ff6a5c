//! Tests of the identity-provider sign-in.
