use crate::wire::wire_enum;

wire_enum!(
    /// Email-marketing consent, in the vocabulary of email-marketing tools.
    EmailConsent, "emailConsent" {
        /// Opted in.
        Subscribed => "SUBSCRIBED",
        /// Asked to confirm (double opt-in) and has not yet.
        Pending => "PENDING",
        /// Opted out.
        Unsubscribed => "UNSUBSCRIBED",
        /// The address bounced and was cleaned by the provider.
        Cleaned => "CLEANED",
        /// Never asked.
        None => "NONE",
    }
);
