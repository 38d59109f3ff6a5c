//! GraphiQL for browsers. Its scripts load from `graphql.graphiql_assets_url` (a CDN by
//! default). A token in the page's fragment (`/graphql#token=…`, never sent to the server) is
//! used as the bearer token.

/// The page.
pub fn page(endpoint: &str, assets: &str) -> String {
    let assets = assets.trim_end_matches('/');
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Rapport — GraphiQL</title>
  <style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
  <link rel="stylesheet" href="{assets}/graphiql@3/graphiql.min.css">
</head>
<body>
  <div id="graphiql">Loading GraphiQL from {assets} … (set graphql.graphiql_assets_url if this machine has no internet)</div>
  <script src="{assets}/react@18/umd/react.production.min.js" crossorigin></script>
  <script src="{assets}/react-dom@18/umd/react-dom.production.min.js" crossorigin></script>
  <script src="{assets}/graphiql@3/graphiql.min.js" crossorigin></script>
  <script>
    const params = new URLSearchParams(window.location.hash.slice(1));
    const token = params.get("token") || window.localStorage.getItem("rapport-token") || "";
    if (params.get("token")) {{
      window.localStorage.setItem("rapport-token", token);
      history.replaceState(null, "", window.location.pathname);
    }}
    const fetcher = GraphiQL.createFetcher({{
      url: "{endpoint}",
      headers: token ? {{ Authorization: "Bearer " + token }} : {{}},
    }});
    ReactDOM.createRoot(document.getElementById("graphiql"))
      .render(React.createElement(GraphiQL, {{ fetcher }}));
  </script>
</body>
</html>
"#
    )
}
