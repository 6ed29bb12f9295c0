"""The live side: the Qase API over HTTP, and Qase's JSON ⇄ the model.

The only package (with the emulator) that knows Qase's names, integers and endpoints.

    client     QaseClient: token, paging, retries, rate limit, typed errors (httpx's one door)
    connection where and as whom: QASE_API_URL, QASE_TOKEN, QASE_TIMEOUT, QASE_RATE_LIMIT
    failures   a failed request in words: the permission it needs, why it failed
    deadline   one total deadline per request (httpcore's network backend wrapped)
    paging     how many pages a list has, and whether they add up
    ratelimit  the rolling-minute limiter and the retry policy
    fields     the workspace's fields as Qase numbers them: option ids ⇄ slugs, custom fields
    decode     live JSON → `Case`, `Suite`, `SharedStep`
    encode     the model → the JSON bodies of Qase's write endpoints
    remote     Remote: the live project read as `Live`, and the model's writes to it
    scoped     what a scoped read lists: the cost of each way, whether suite_id takes children
    lockentity the apply lock as Qase holds it: a root suite and its JSON description
"""
