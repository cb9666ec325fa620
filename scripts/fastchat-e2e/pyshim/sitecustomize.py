"""With FASTCHAT_E2E_FAST_RETRY=1, caps time.sleep at 50 ms (see README.md): same attempts, less waiting."""
import os
import time

if os.environ.get("FASTCHAT_E2E_FAST_RETRY") == "1":
    _sleep = time.sleep

    def _short_sleep(seconds):
        _sleep(min(seconds, 0.05))

    time.sleep = _short_sleep
