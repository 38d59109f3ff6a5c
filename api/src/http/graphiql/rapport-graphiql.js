// Rapport's GraphiQL page. A file, not an inline script, so that the page's
// Content-Security-Policy allows scripts from this server only.
//
// The token: `/graphql#token=…` (a fragment never reaches the server or its logs) is
// moved to sessionStorage, which this tab alone reads and which ends with it, and the
// fragment is cleared from the address bar (and so from the history and bookmarks).
// It never goes to localStorage, and it is sent by the fetcher, not written into
// GraphiQL's headers editor, whose contents GraphiQL is told never to persist.
(function () {
  "use strict";
  var KEY = "rapport-token";
  var root = document.getElementById("graphiql");

  function storage(name) {
    try {
      return window[name];
    } catch (e) {
      return null; // storage disabled by the browser
    }
  }
  var session = storage("sessionStorage");
  var local = storage("localStorage");

  var fragment = new URLSearchParams(window.location.hash.slice(1));
  var token = fragment.get("token");
  if (token !== null) {
    fragment.delete("token");
    var rest = fragment.toString();
    window.history.replaceState(
      null,
      "",
      window.location.pathname + window.location.search + (rest ? "#" + rest : "")
    );
    if (session) session.setItem(KEY, token);
  } else if (session) {
    token = session.getItem(KEY);
  }
  // Earlier versions of this page kept the token in localStorage: remove it.
  if (local) local.removeItem(KEY);

  if (typeof React === "undefined" || typeof ReactDOM === "undefined" || typeof GraphiQL === "undefined") {
    root.className = "rapport-graphiql-error";
    root.textContent = root.getAttribute("data-hint");
    return;
  }

  var fetcher = GraphiQL.createFetcher({
    url: root.getAttribute("data-endpoint"),
    headers: token ? { Authorization: "Bearer " + token } : {},
  });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      shouldPersistHeaders: false,
    })
  );
})();
