// The "new contact" form.
import { graphql } from 'react-relay';

export const CreateContactMutation = graphql`
  mutation CreateContactMutation($input: CreateContactInput!) {
    createContact(input: $input) {
      contact {
        id
        ...ContactRow_contact
        account {
          id
          name
        }
      }
    }
  }
`;
