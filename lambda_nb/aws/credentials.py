"""What a function's boto3 sees of AWS: the `aws=` option of `Function.from_source`.

On Lambda a function's SDK finds its credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
AWS_SESSION_TOKEN (its execution role's session) and its region in AWS_REGION
(lambda-runtime.md 3). Here:

- `aws=None`: no credentials at all. The user's own ones must not leak in either: a function has
  no HOME (as on Lambda), but botocore and the JavaScript SDK fall back to the account's home
  directory for `~/.aws/credentials` and `~/.aws/config`, and to the EC2 metadata service. The
  files are pointed at the null device and the metadata lookup is turned off, so the SDK says
  "Unable to locate credentials" at once.
- `aws="local"`: the local AWS (started if need be) through `AWS_ENDPOINT_URL`, which boto3
  >= 1.28 and the JavaScript SDK v3 honour for every service (triggers.md 3.4), dummy
  credentials, and the shared files nulled as above.
- `aws="http://host:port"`: another emulator (LocalStack, MiniStack...), the same way.
- `aws="profile:NAME"`: that profile's real credentials, resolved now by boto3 (SSO, assume-role
  and all), as a role session would give them; only when asked for by name.

A function's code may still name an endpoint itself (`endpoint_url=`), which wins (3.4).
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

from lambda_nb.engine.errors import ConfigError

_NO_SHARED_FILES = {
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


def _endpoint(url: str) -> dict[str, str]:
    from lambda_nb.aws.server import DUMMY_CREDENTIALS

    return {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": DUMMY_CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": DUMMY_CREDENTIALS["aws_secret_access_key"],
        "AWS_SESSION_TOKEN": DUMMY_CREDENTIALS["aws_session_token"],
        **_NO_SHARED_FILES,
    }


def check(aws: str | None) -> str | None:
    """The option's value, normalised, or a ConfigError that lists the accepted forms."""
    if aws is None:
        return None
    text = str(aws).strip()
    if text.lower() in ("", "none", "off"):
        return None
    if text.lower() == "local":
        return "local"
    if text.startswith("profile:") and text[len("profile:") :].strip():
        return "profile:" + text[len("profile:") :].strip()
    parsed = urlparse(text)
    if parsed.scheme in ("http", "https") and parsed.hostname:
        return text.rstrip("/")
    raise ConfigError(
        f"aws={aws!r}: expected 'local' (lambda_nb's local AWS), 'profile:NAME' (that "
        "profile's real credentials), an emulator's URL such as 'http://127.0.0.1:4566', or None"
    )


def function_environment(aws: str | None) -> dict[str, str]:
    """The variables a function gets for `aws` (see the module docstring)."""
    aws = check(aws)
    if aws is None:
        return dict(_NO_SHARED_FILES)
    if aws == "local":
        from lambda_nb.aws.server import LOCAL

        return _endpoint(LOCAL.start())
    if aws.startswith("profile:"):
        return _profile(aws[len("profile:") :])
    return _endpoint(aws)


def _profile(name: str) -> dict[str, str]:
    from lambda_nb.aws.server import require

    try:
        found = require("boto3").session.Session(profile_name=name).get_credentials()
    except Exception as exc:  # botocore's ProfileNotFound, an expired SSO session...
        raise ConfigError(f"aws='profile:{name}': {exc}") from None
    if found is None:
        raise ConfigError(f"aws='profile:{name}': that profile has no credentials")
    frozen = found.get_frozen_credentials()
    env = {"AWS_ACCESS_KEY_ID": frozen.access_key, "AWS_SECRET_ACCESS_KEY": frozen.secret_key}
    if frozen.token:
        env["AWS_SESSION_TOKEN"] = frozen.token
    env.update(_NO_SHARED_FILES)
    return env
