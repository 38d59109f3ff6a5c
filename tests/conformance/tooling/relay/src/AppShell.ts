// The app shell: who is signed in, and any node by its global id.
import { graphql } from 'react-relay';

export const AppShellQuery = graphql`
  query AppShellQuery($nodeId: ID!) {
    viewer {
      subject
      role
      teamMember {
        id
        name
      }
    }
    node(id: $nodeId) {
      __typename
      id
      ... on Contact {
        firstName
        lastName
      }
      ... on Account {
        name
      }
    }
  }
`;
