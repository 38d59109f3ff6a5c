// The contacts list page: one page of contacts with their account and its manager.
import { graphql } from 'react-relay';

export const ContactsListQuery = graphql`
  query ContactsListQuery($first: Int = 25, $after: String, $search: String) {
    contacts(first: $first, after: $after, filter: { search: $search }) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          id
          ...ContactRow_contact
          account {
            id
            name
            kind
            accountManager {
              id
              name
              email
            }
          }
        }
      }
    }
  }
`;
