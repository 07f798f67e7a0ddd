"""Exit when the editor that started the server is gone.

A client that crashes never sends `exit`, and its stdin may stay open when a wrapper process
holds it; without this, every crashed editor would leave a server behind, holding a project's
index in memory.
"""

from __future__ import annotations

import logging
import os
import threading
import time

log = logging.getLogger(__name__)
INTERVAL = 2.0


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    except OSError:
        return False
    return True


def watch_parent(pid: int) -> None:
    def watch() -> None:
        while alive(pid):
            time.sleep(INTERVAL)
        log.info("the client process %s is gone; exiting", pid)
        os._exit(0)

    threading.Thread(target=watch, name="prodready-parent-watch", daemon=True).start()
