// What a frontend does: POST a query with its bearer token, as JSON. Resolves with
// what came back, or with the error fetch() rejected with (a blocked CORS request
// rejects with a TypeError, and the page cannot read the answer at all).
window.callApi = async function callApi(endpoint, token) {
  try {
    const res = await fetch(endpoint, {
      method: "POST",
      headers: {
        "Authorization": "Bearer " + token,
        "Content-Type": "application/json",
        "Accept": "application/graphql-response+json",
      },
      body: JSON.stringify({ query: "{ viewer { subject } }" }),
    });
    return {
      ok: true,
      status: res.status,
      requestId: res.headers.get("x-request-id"),
      body: await res.json(),
    };
  } catch (err) {
    return { ok: false, error: String(err) };
  }
};
