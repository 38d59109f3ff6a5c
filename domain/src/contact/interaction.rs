//! What an interaction with a contact is: a closed set of kinds and directions, stored and sent
//! under their wire names.

use crate::wire::wire_enum;

wire_enum!(
    /// What kind of interaction it was.
    InteractionKind, "kind" {
        /// A phone call.
        Call => "CALL",
        /// An email exchanged with the contact.
        Email => "EMAIL",
        /// A meeting, in person or by video.
        Meeting => "MEETING",
    }
);

wire_enum!(
    /// Who started an interaction.
    InteractionDirection, "direction" {
        /// The contact reached us.
        Inbound => "INBOUND",
        /// We reached the contact.
        Outbound => "OUTBOUND",
    }
);
