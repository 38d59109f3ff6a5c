// One account: its manager, its contacts, and its agreements in force with this
// period's compliance.
import { graphql } from 'react-relay';

export const AccountPageQuery = graphql`
  query AccountPageQuery($id: ID!, $period: Date) {
    account(id: $id) {
      id
      name
      kind
      status
      relationshipType
      domains
      accountManager {
        id
        name
      }
      contacts(first: 10) {
        totalCount
        nodes {
          id
          ...ContactRow_contact
        }
      }
      agreements(first: 10, filter: { inForce: true }) {
        nodes {
          id
          status
          version
          revision
          summary {
            title
            effectiveFrom
            effectiveUntil
            billingCadence
            fee {
              amount
              currency
            }
          }
          compliance(period: $period) {
            periodStart
            periodEnd
            overall
            metrics {
              metricKey
              status
              observed
              target
            }
          }
        }
      }
    }
  }
`;
