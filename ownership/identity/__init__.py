"""Who may sign in, from the company's identity provider: single sign-on with OpenID Connect
(sso.py) and the accounts and people it makes or links (accounts.py)."""
