// The contact row, shared by the contacts list and the account page.
import { graphql } from 'react-relay';

export const ContactRowFragment = graphql`
  fragment ContactRow_contact on Contact {
    id
    firstName
    lastName
    email
    jobRole
    emailConsent
    tags
    updatedAt
  }
`;
