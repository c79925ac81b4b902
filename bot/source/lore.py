"""Series from lore by Message-ID or lore URL, through b4's library.

We use b4 (not its command): its configuration (``b4.midmask`` moves every lore
request to a mirror or a test server), its message-id parsing, its one cached
``liblore.LoreNode`` and its thread splitting. Into that node we inject a
requests session that names lorebot in the User-Agent, has timeouts, and
retries 429 and 5xx answers with capped exponential backoff, honouring
Retry-After, and that reads each answer itself up to the input limit (gzip
included) before liblore unpacks it. The thread's mails then go through the
same limits and parser as an mbox, so a Message-ID and the downloaded mbox get
the same review.
"""

from __future__ import annotations

import logging
import os
import zlib
from dataclasses import dataclass, field
from functools import partial

from bot import __version__
from bot.errors import NetworkError, NotFoundError
from bot.series import Series
from bot.source.limits import (
    MAX_INPUT_BYTES,
    check_mail_count,
    check_mail_shape,
    check_unpacked_size,
    read_bounded,
    too_big,
)
from bot.source.mail import parse_message
from bot.source.thread import series_from_messages


@dataclass
class LorePolicy:
    """How politely and how long we ask lore (overridable for tests)."""

    # read when a policy is made, not at import: the warm server imports this module
    # once and runs each request under its client's environment
    retries: int = field(default_factory=lambda: int(_env("RETRIES", "4")))
    backoff: float = field(default_factory=lambda: float(_env("BACKOFF", "1.0")))
    backoff_max: float = field(default_factory=lambda: float(_env("BACKOFF_MAX", "60")))
    timeout: float = field(default_factory=lambda: float(_env("TIMEOUT", "30")))


def _env(name: str, default: str) -> str:
    return os.environ.get(f"LOREBOT_LORE_{name}", default)


def _session(policy: LorePolicy):
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    retry = Retry(total=policy.retries, connect=policy.retries, read=policy.retries,
                  status=policy.retries, backoff_factor=policy.backoff,
                  backoff_max=policy.backoff_max, status_forcelist=(429, 500, 502, 503, 504),
                  allowed_methods=None, respect_retry_after_header=True,
                  raise_on_status=False)
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = f"lorebot/{__version__}"
    session.hooks["response"].append(_bounded_answer)
    return session


def _bounded_answer(response, *args, **kwargs):
    """Read lore's answer ourselves, up to the input limit (and what its gzip unpacks
    to), before liblore reads and unpacks it without a limit; a streamed answer is
    read, bounded, by whoever asked for it (``bot.source.lore_search``)."""
    import requests
    import urllib3

    if kwargs.get("stream"):
        return response
    what = f"lore's answer to {response.request.method} {response.url}"
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_INPUT_BYTES:
        response.close()
        raise too_big(what)
    try:
        body = read_bounded(partial(response.raw.read, decode_content=True), what)
    except (OSError, urllib3.exceptions.HTTPError) as exc:  # cut off: as requests says it
        raise requests.ConnectionError(f"{what}: {exc}") from None
    if body.startswith(b"\x1f\x8b"):
        check_unpacked_size(body, what)
    response._content, response._content_consumed = body, True  # what requests itself sets
    return response


def lore_node(policy: LorePolicy | None = None):
    """b4's lore node, configured from git config, with our session and timeouts."""
    from bot.b4lib import b4

    policy = policy or LorePolicy()
    for name in ("b4", "liblore"):  # their log lines would break our one-line errors
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    if not b4.MAIN_CONFIG:
        b4._setup_main_config()
    node = b4.get_lore_node()
    if getattr(node, "_lorebot_policy", None) != policy:
        node.set_requests_session(_session(policy))
        node._request_timeout = (min(10.0, policy.timeout), policy.timeout)
        node._lorebot_policy = policy
    return node


def reset() -> None:
    """Forget the cached node and configuration (the mirror or config changed)."""
    from bot.b4lib import b4

    b4.LORENODE = None
    b4.MAIN_CONFIG = {}


def configure_midmask(midmask: str) -> None:
    """Send every lore request to ``midmask`` (a mirror, a test server), as b4.midmask does."""
    from bot.b4lib import b4

    reset()
    b4._setup_main_config()
    b4.MAIN_CONFIG["midmask"] = midmask


def _remote(call, what: str):
    """Run a liblore call, mapping its failures to our errors."""
    import liblore

    try:
        return call()
    except liblore.RemoteError as exc:
        status = exc.status_code
        if status == 404:
            raise NotFoundError(f"lore has no {what}") from None
        if status is None:
            raise NetworkError(f"lore unreachable or timed out for {what}: "
                               f"{str(exc).splitlines()[0][:200]}") from None
        raise NetworkError(f"lore answered HTTP {status} for {what} (after retries)") from None
    except (OSError, EOFError, zlib.error) as exc:  # a truncated or corrupt gzip answer
        raise NetworkError(f"lore sent a broken answer for {what}: {exc}") from None


def thread_messages(target: str, policy: LorePolicy | None = None,
                    nocache: bool = False) -> tuple[str, list]:
    """(message-id, the thread's mails as email.message objects)."""
    from bot.b4lib import b4

    node = lore_node(policy)
    msgid = b4.parse_msgid(target)
    mbox = _remote(lambda: node.get_mbox_by_msgid(msgid, nocache=nocache),
                   f"thread <{msgid}>")
    if not mbox:
        raise NotFoundError(f"lore has no thread <{msgid}>")
    check_mail_shape(mbox, f"thread <{msgid}>")
    mails = b4.split_and_dedupe_pi_results(mbox)
    check_mail_count(len(mails), f"thread <{msgid}>")
    return msgid, b4.get_strict_thread(mails, msgid) or mails


def with_previous_revision(mails: list, version: int | None = None) -> list:
    """The thread's mails and, when it lacks it, the revision before ``version`` (the
    newest by default) with the replies it got, found by b4 the way ``b4 diff`` does
    (same subject and sender, or change-id). Lore failing to answer that search
    leaves the thread as it is: the review then has no section on the revision before.
    """
    from bot.b4lib import b4, b4_mbox

    subjects = [b4.LoreSubject(m.get("Subject", "")) for m in mails]
    revisions = {s.revision for s in subjects if s.patch and not s.reply}
    wanted = (version or max(revisions, default=1)) - 1
    if wanted < 1 or wanted in revisions:
        return mails
    found = b4_mbox().get_extra_series(list(mails), direction=-1, wantvers=[wanted])
    check_mail_count(len(found), f"the thread and v{wanted} of it")
    return found


def lore_series(target: str, version: int | None = None,
                policy: LorePolicy | None = None) -> Series:
    """The series whose thread holds ``target`` (newest complete revision or -v N),
    with the revision before it when lore has it."""
    msgid, mails = thread_messages(target, policy)
    messages = [parse_message(m)[0] for m in with_previous_revision(mails, version)]
    return series_from_messages(messages, version, source=f"lore <{msgid}>")
