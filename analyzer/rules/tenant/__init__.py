"""TEN: queries that read or write one customer's rows without the tenant filter."""

CWE_639 = "CWE-639: Authorization Bypass Through User-Controlled Key — https://cwe.mitre.org/data/definitions/639.html"
OWASP_BOLA = ("OWASP API1:2023 Broken Object Level Authorization — "
              "https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/")
