"""A small Discord on loopback: REST and gateway, enough for discord.py 2.x to log in,
sync commands, receive interactions and messages, and answer them.

Everything the bot sends is recorded, so tests assert on the JSON it really sends.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

BOT_ID = 900000000000000001
APP_ID = 900000000000000002
GUILD_ID = 900000000000000003
CHANNEL_ID = 900000000000000004
OWNER_ID = 900000000000000005
SECOND_CHANNEL_ID = 900000000000000006  # another text channel of the guild
TIMESTAMP = "2026-11-22T12:00:00.000000+00:00"
# A member's permissions in the channel: everything but managing it (or the server).
MANAGE_CHANNELS = 1 << 4
MEMBER_PERMISSIONS = 2248473465835073
MODERATOR_PERMISSIONS = MEMBER_PERMISSIONS | MANAGE_CHANNELS


def user(user_id: int, name: str, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
    }


BOT_USER = user(BOT_ID, "newsbot", bot=True)


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    at: float = field(default_factory=time.perf_counter)  # when the fake received it
    status: int = 0  # what the fake answered
    repeat: bool = False  # a nonce seen before (enforce_nonce): the first message returned


# What Discord checks in a message before taking it (developers docs, "Embed Limits", and
# its URL validation): a failure is 400 "Invalid Form Body" (code 50035) naming the field.
INVALID_FORM_BODY = 50035
URL_LIMIT = 2048
LIMITS = {"title": 256, "description": 4096, "footer.text": 2048, "author.name": 256}
FIELD_LIMITS = {"name": 256, "value": 1024}
EMBED_URLS = ("url", "author.url", "author.icon_url", "footer.icon_url")
IMAGE_URLS = ("thumbnail.url", "image.url")


@dataclass
class FakeDiscord:
    """Start with `await fake.start()`; point discord.py at `fake.api` and `fake.gateway`."""

    calls: list[Call] = field(default_factory=list)
    identify: list[dict[str, Any]] = field(default_factory=list)
    resumes: list[dict[str, Any]] = field(default_factory=list)
    # (method, path prefix) -> (status, body) for the next matching calls: fault injection.
    faults: dict[tuple[str, str], list[tuple[int, Any]]] = field(default_factory=dict)
    ws: web.WebSocketResponse | None = None
    ids: itertools.count = field(default_factory=lambda: itertools.count(1000))
    seq: int = 0
    callback_message_ids: dict[str, str] = field(default_factory=dict)
    # interaction id -> time.perf_counter() when the fake dispatched it to the bot
    dispatched: dict[str, float] = field(default_factory=dict)
    threads: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> thread channel
    dm_channels: dict[int, str] = field(default_factory=dict)  # user id -> DM channel id
    nonces: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # enforced
    channels: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {str(CHANNEL_ID): _channel()}
    )

    def __post_init__(self) -> None:
        self._changed = asyncio.Condition()
        self._pending: set[asyncio.Future[None]] = set()
        self.ready = asyncio.Event()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.api = f"http://127.0.0.1:{port}/api/v10"
        self.gateway = f"ws://127.0.0.1:{port}/gateway"

    async def stop(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        await self._runner.cleanup()

    # -- waiting ---------------------------------------------------------------------------

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def wait_for(self, match: Callable[[Call], bool], timeout: float = 15.0) -> Call:
        """The first recorded call (past or future) that matches."""

        async def find() -> Call:
            async with self._changed:
                while True:
                    for call in self.calls:
                        if match(call):
                            return call
                    await self._changed.wait()

        return await asyncio.wait_for(find(), timeout)

    def replies_to(self, interaction_id: str) -> list[Call]:
        """Callback calls for one interaction."""
        return [c for c in self.calls if c.path.startswith(f"/interactions/{interaction_id}/")]

    # -- REST ------------------------------------------------------------------------------

    def message(self, channel_id: int | str, payload: dict[str, Any], **extra: Any) -> dict:
        return {
            "id": str(next(self.ids)),
            "channel_id": str(channel_id),
            "author": BOT_USER,
            "content": payload.get("content") or "",
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": payload.get("embeds") or [],
            "components": payload.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": payload.get("flags") or 0,
            **extra,
        }

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        raw = await request.read()
        body = json.loads(raw) if raw and request.content_type == "application/json" else None
        call = Call(request.method, path, dict(request.query), body)
        payload, call.status = self._fault(call) or self._invalid(call) or self._answer(call)
        await self._record(call)
        return _json(payload, call.status)

    def _fault(self, call: Call) -> tuple[Any, int] | None:
        for (method, prefix), queue in self.faults.items():
            if queue and call.method == method and call.path.startswith(prefix):
                status, payload = queue.pop(0)
                return payload, status
        return None

    def _invalid(self, call: Call) -> tuple[Any, int] | None:
        """Discord's 400 for a message it will not take, or None when it would."""
        if call.method not in ("POST", "PATCH") or not isinstance(call.body, dict):
            return None
        parts = call.path.strip("/").split("/")
        if parts[0] == "interactions":
            errors = {"data": message_errors(call.body.get("data") or {})}
        elif parts[0] == "webhooks" or (parts[0] == "channels" and "messages" in parts):
            errors = message_errors(call.body)
        else:
            return None
        if not any(errors.values()):
            return None
        return {"message": "Invalid Form Body", "code": INVALID_FORM_BODY, "errors": errors}, 400

    def _answer(self, call: Call) -> tuple[Any, int]:
        m, p, body = call.method, call.path, call.body or {}
        parts = p.strip("/").split("/")
        if (m, p) == ("GET", "/users/@me"):
            return BOT_USER, 200
        if (m, p) == ("GET", "/oauth2/applications/@me"):
            return _application(), 200
        if m == "PUT" and parts[0] == "applications" and parts[-1] == "commands":
            cmds = [
                {**c, "id": str(next(self.ids)), "application_id": str(APP_ID), "version": "1"}
                for c in body
            ]
            return cmds, 200
        if m == "POST" and parts[0] == "interactions" and parts[-1] == "callback":
            return self._callback(parts[1], body), 200
        if parts[0] == "webhooks" and m in ("POST", "PATCH", "GET"):
            return self.message(CHANNEL_ID, body), 200
        if m == "POST" and parts[0] == "channels" and parts[-1] == "typing":
            return None, 204
        if (
            m == "POST"
            and parts[0] == "channels"
            and parts[2:3] == ["messages"]
            and (parts[-1] == "threads")
        ):
            return self._thread(parts[1], parts[3], body), 201
        if (m, p) == ("POST", "/users/@me/channels"):
            return self._dm_channel(int(body["recipient_id"])), 200
        if m == "GET" and parts[0] == "users" and len(parts) == 2:
            return user(int(parts[1]), f"user{parts[1]}"), 200
        if m == "GET" and parts[0] == "channels" and len(parts) == 2:
            known = self.channels.get(parts[1])
            if known is None:
                return {"message": "Unknown Channel", "code": 10003}, 404
            return known, 200
        if parts[0] == "channels" and parts[2:3] == ["messages"] and m == "POST":
            return self._create(parts[1], body, call), 200
        if parts[0] == "channels" and parts[2:3] == ["messages"] and m == "PATCH":
            return self.message(parts[1], body), 200
        return {"message": "Unknown route in fake Discord", "code": 0}, 404

    def _create(self, channel_id: str, body: dict[str, Any], call: Call) -> dict[str, Any]:
        """A new message; with `enforce_nonce`, a nonce already used in the channel gets
        the message it made back and nothing is posted (Discord keeps them a few minutes)."""
        if body.get("enforce_nonce") and body.get("nonce"):
            key = (channel_id, str(body["nonce"]))
            if key in self.nonces:
                call.repeat = True
                return self.nonces[key]
            self.nonces[key] = self.message(channel_id, body)
            return self.nonces[key]
        return self.message(channel_id, body)

    def _thread(self, channel_id: str, message_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """A public thread on a message (its id is the message's, as Discord makes it)."""
        thread = {
            "id": message_id,
            "type": 11,
            "guild_id": str(GUILD_ID),
            "parent_id": channel_id,
            "name": body.get("name", ""),
            "owner_id": str(BOT_ID),
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 1440),
                "archive_timestamp": TIMESTAMP,
                "locked": False,
            },
        }
        self.threads[message_id] = thread
        self.channels[message_id] = thread
        if self.ws is not None:  # Discord tells the gateway too
            task = asyncio.ensure_future(
                self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
            )
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
        return thread

    def _dm_channel(self, user_id: int) -> dict[str, Any]:
        """The bot's direct-message channel with a user (one per user, as in Discord)."""
        channel_id = self.dm_channels.setdefault(user_id, str(next(self.ids)))
        dm = {"id": channel_id, "type": 1, "recipients": [user(user_id, f"user{user_id}")]}
        self.channels[channel_id] = dm
        return dm

    def posted_in(self, channel_id: int | str) -> list[Call]:
        """Messages the bot posted in a channel (accepted by the fake)."""
        path = f"/channels/{channel_id}/messages"
        return [
            c
            for c in self.calls
            if c.method == "POST" and c.path == path and c.status == 200 and not c.repeat
        ]

    def _callback(self, interaction_id: str, body: dict[str, Any]) -> dict[str, Any]:
        kind, data = body.get("type"), body.get("data") or {}
        message = self.message(CHANNEL_ID, data)
        self.callback_message_ids[interaction_id] = message["id"]
        info = {
            "id": interaction_id,
            "type": 2,
            "response_message_id": message["id"],
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool((data.get("flags") or 0) & 64),
        }
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 7):
            resource["message"] = message
        return {"interaction": info, "resource": resource}

    # -- gateway ---------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.ws = ws
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45000}})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            payload = json.loads(msg.data)
            op = payload.get("op")
            if op == 1:
                await ws.send_json({"op": 11})
            elif op == 2:
                self.identify.append(payload["d"])
                await self._ready()
            elif op == 6:
                self.resumes.append(payload["d"])
                await self.dispatch("RESUMED", {})
        return ws

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        assert self.ws is not None, "the bot is not connected"
        self.seq += 1
        await self.ws.send_json({"op": 0, "t": event, "s": self.seq, "d": data})

    async def _ready(self) -> None:
        await self.dispatch(
            "READY",
            {
                "v": 10,
                "user": BOT_USER,
                "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
                "session_id": "fake-session",
                "resume_gateway_url": self.gateway,
                "application": {"id": str(APP_ID), "flags": 0},
            },
        )
        await self.dispatch("GUILD_CREATE", _guild())
        self.ready.set()

    # -- what users do ---------------------------------------------------------------------

    def interaction(
        self,
        data: dict[str, Any],
        user_id: int,
        kind: int = 2,
        message: dict | None = None,
        permissions: int = MEMBER_PERMISSIONS,
        channel_id: int = CHANNEL_ID,
    ) -> dict[str, Any]:
        interaction_id = str(next(self.ids))
        payload = {
            "id": interaction_id,
            "application_id": str(APP_ID),
            "type": kind,
            "data": data,
            "guild_id": str(GUILD_ID),
            "channel_id": str(channel_id),
            "channel": _channel(channel_id),
            "member": {
                "user": user(user_id, f"user{user_id}"),
                "roles": [],
                "joined_at": TIMESTAMP,
                "deaf": False,
                "mute": False,
                "flags": 0,
                "permissions": str(permissions),
            },
            "token": f"token-{interaction_id}",
            "version": 1,
            "app_permissions": "2248473465835073",
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "context": 0,
            "attachment_size_limit": 8388608,
        }
        if message is not None:
            payload["message"] = message
        return payload

    async def slash(
        self,
        name: str,
        user_id: int,
        channel_id: int = CHANNEL_ID,
        permissions: int = MEMBER_PERMISSIONS,
        **options: Any,
    ) -> str:
        """A user runs /name option:value... (in `channel_id`); returns the interaction id."""
        types = {str: 3, int: 4, bool: 5}
        data = {
            "id": str(next(self.ids)),
            "name": name,
            "type": 1,
            "options": [
                {"name": k, "type": types[type(v)], "value": v} for k, v in options.items()
            ],
        }
        payload = self.interaction(data, user_id, permissions=permissions, channel_id=channel_id)
        self.dispatched[payload["id"]] = time.perf_counter()
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload["id"]

    async def click(self, message: dict[str, Any], label: str, user_id: int) -> str:
        """A user presses the button labelled `label` on a message the bot sent."""
        button = next(
            c for row in message["components"] for c in row["components"] if c.get("label") == label
        )
        data = {"custom_id": button["custom_id"], "component_type": 2}
        payload = self.interaction(data, user_id, kind=3, message=message)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload["id"]

    async def choose(self, message: dict[str, Any], values: list[str], user_id: int) -> str:
        """A user picks `values` in the select menu of a message the bot sent."""
        menu = next(c for row in message["components"] for c in row["components"] if c["type"] == 3)
        data = {"custom_id": menu["custom_id"], "component_type": 3, "values": values}
        payload = self.interaction(data, user_id, kind=3, message=message)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload["id"]

    async def say(
        self,
        content: str,
        user_id: int,
        mentions: list[dict] | None = None,
        channel_id: int | str = CHANNEL_ID,
    ) -> str:
        """A user posts a message in a channel (or thread) of the guild."""
        message_id = str(next(self.ids))
        await self.dispatch(
            "MESSAGE_CREATE",
            {
                "id": message_id,
                "channel_id": str(channel_id),
                "guild_id": str(GUILD_ID),
                "author": user(user_id, f"user{user_id}"),
                "member": {"roles": [], "joined_at": TIMESTAMP, "deaf": False, "mute": False},
                "content": content,
                "timestamp": TIMESTAMP,
                "edited_timestamp": None,
                "tts": False,
                "mention_everyone": False,
                "mentions": mentions or [],
                "mention_roles": [],
                "attachments": [],
                "embeds": [],
                "pinned": False,
                "type": 0,
            },
        )
        return message_id


def well_formed_url(url: Any, schemes: tuple[str, ...] = ("http", "https")) -> bool:
    """What Discord takes as an embed URL: a web link with a host, at most 2048 characters."""
    if not isinstance(url, str) or len(url) > URL_LIMIT or any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a malformed port
    except ValueError:
        return False
    return parts.scheme.lower() in schemes and bool(parts.hostname)


def _get(embed: dict[str, Any], dotted: str) -> Any:
    value: Any = embed
    for key in dotted.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _error(code: str, message: str) -> dict[str, Any]:
    return {"_errors": [{"code": code, "message": message}]}


def _nest(errors: dict[str, Any], dotted: str, error: dict[str, Any]) -> None:
    *path, last = dotted.split(".")
    for key in path:
        errors = errors.setdefault(key, {})
    errors[last] = error


def message_errors(message: dict[str, Any]) -> dict[str, Any]:
    """Discord's errors for a message payload, keyed like its field paths; empty when valid."""
    errors: dict[str, Any] = {}
    content = message.get("content")
    if isinstance(content, str) and len(content) > 2000:
        errors["content"] = _error("BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    embeds = message.get("embeds") or []
    total = 0
    for n, embed in enumerate(embeds):
        found: dict[str, Any] = {}
        for key in EMBED_URLS + IMAGE_URLS:
            url = _get(embed, key)
            schemes = ("http", "https", "attachment") if key in IMAGE_URLS else ("http", "https")
            if url is not None and not well_formed_url(url, schemes):
                _nest(found, key, _error("URL_TYPE_INVALID_URL", "Not a well formed URL."))
        for key, limit in LIMITS.items():
            text = _get(embed, key) or ""
            total += len(text)
            if len(text) > limit:
                why = f"Must be {limit} or fewer in length."
                _nest(found, key, _error("BASE_TYPE_MAX_LENGTH", why))
        fields = embed.get("fields") or []
        if len(fields) > 25:
            found["fields"] = _error("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        for i, field_ in enumerate(fields):
            for key, limit in FIELD_LIMITS.items():
                text = field_.get(key) or ""
                total += len(text)
                if not text or len(text) > limit:
                    why = f"Must be between 1 and {limit} in length."
                    _nest(found, f"fields.{i}.{key}", _error("BASE_TYPE_BAD_LENGTH", why))
        if found:
            errors.setdefault("embeds", {})[str(n)] = found
    if total > 6000:
        why = "Embed size exceeds maximum size of 6000"
        errors.setdefault("embeds", {}).update(_error("MAX_EMBED_SIZE_EXCEEDED", why))
    return errors


def _json(payload: Any, status: int = 200) -> web.Response:
    if status == 204:
        return web.Response(status=204)
    # discord.py parses JSON only when Content-Type is exactly application/json, and takes
    # a 429 without Discord's Via header for a Cloudflare ban rather than a rate limit.
    return web.Response(
        status=status,
        body=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Via": "1.1 google"},
    )


def _application() -> dict[str, Any]:
    return {
        "id": str(APP_ID),
        "name": "newsbot",
        "icon": None,
        "description": "",
        "rpc_origins": [],
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user(OWNER_ID, "owner"),
        "summary": "",
        "verify_key": "0" * 64,
        "team": None,
        "flags": 0,
    }


def _channel(channel_id: int = CHANNEL_ID) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(GUILD_ID),
        "name": "news",
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
    }


def _guild() -> dict[str, Any]:
    return {
        "id": str(GUILD_ID),
        "name": "Newsroom",
        "icon": None,
        "owner_id": str(OWNER_ID),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [
            {
                "id": str(GUILD_ID),
                "name": "@everyone",
                "permissions": "2248473465835073",
                "position": 0,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }
        ],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "joined_at": TIMESTAMP,
        "large": False,
        "unavailable": False,
        "member_count": 2,
        "voice_states": [],
        "members": [],
        "channels": [_channel(), _channel(SECOND_CHANNEL_ID)],
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "nsfw_level": 0,
    }
