-- wrk script: POST /v1/check with one client's JSON body (bench/run.mjs passes it in WRK_BODY).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("WRK_BODY")
