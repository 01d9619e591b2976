"""Fixed codec keys for tests: an old one and a new one, as during a rotation."""

import base64

OLD_SECRET = bytes(range(32))
NEW_SECRET = bytes(range(100, 132))
OLD = f"k2025:{base64.b64encode(OLD_SECRET).decode()}"
NEW = f"k2026:{base64.b64encode(NEW_SECRET).decode()}"
LEAD_ID_SECRET = "lead-id-secret-for-tests-only-0123456789abcdef"
CODEC_TOKEN = "codec-token-for-tests-only-0123456789abcdef"
