"""The anthropic backend, driven through the official client against a scripted server on 127.0.0.1."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

from charter.backends import (
    Backend,
    BackendConfig,
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    ChatMessage,
    Generation,
    create_backend,
)
from charter.backends.anthropic_api import OPENING_TURN, AnthropicBackend
from scripted_api import (
    Answer,
    DropMidStream,
    EndsEarly,
    Hang,
    Malformed,
    NoText,
    Reply,
    ScriptedAPI,
    Status,
    StreamErrorEvent,
    pieces,
    scripted_api,
    unused_port,
)

TEXT = "Eleven is prime, and so is thirteen."
# A server that answers gets a generous timeout, so a busy machine never turns an answer into a timeout;
# only the cases that script a hang wait for the short one.
QUICK = Generation(max_tokens=64, temperature=0.2, seed=7, timeout_s=30.0)
HANG = QUICK.model_copy(update={"timeout_s": 0.5})


def patience(reply: object) -> Generation:
    """The short timeout for a scripted hang, the generous one otherwise."""
    return HANG if isinstance(reply, Hang) else QUICK


def system(text: str) -> ChatMessage:
    return ChatMessage(role="system", content=text)


def user(text: str) -> ChatMessage:
    return ChatMessage(role="user", content=text)


def assistant(text: str) -> ChatMessage:
    return ChatMessage(role="assistant", content=text)


PROMPT = [system("You are a terse assistant."), user("Name a prime."), assistant("Seven."), user("Another?")]


@pytest.fixture
def api() -> Iterator[ScriptedAPI]:
    with scripted_api(default=Answer(TEXT)) as server:
        yield server


@pytest.fixture
def backend(api: ScriptedAPI) -> Iterator[AnthropicBackend]:
    built = create_backend(BackendConfig(name="claude", kind="anthropic", model="claude-test",
                                         base_url=api.anthropic_base_url, timeout_s=5))
    assert isinstance(built, AnthropicBackend)
    yield built
    built.close()


def config(**fields: object) -> BackendConfig:
    values: dict[str, object] = {"name": "claude", "kind": "anthropic", "model": "claude-test", **fields}
    return BackendConfig.model_validate(values)


def sent_key(headers: dict[str, str]) -> str:
    """The credential a request carried (the 2.x client may use x-api-key or a bearer token)."""
    if "x-api-key" in headers:
        return headers["x-api-key"]
    return headers.get("authorization", "").removeprefix("Bearer ")


# --- answers and what was sent ------------------------------------------------------------------


def test_generate_returns_the_answer_and_sends_the_prompt_in_messages_api_shape(
        api: ScriptedAPI, backend: AnthropicBackend) -> None:
    assert isinstance(backend, Backend)
    assert backend.generate(PROMPT, QUICK) == TEXT

    sent = api.last
    assert sent.path == "/v1/messages"
    assert "anthropic-version" in sent.headers
    assert sent.body["model"] == "claude-test"
    assert sent.body["max_tokens"] == 64
    assert sent.body["system"] == "You are a terse assistant."
    assert sent.body["messages"] == [
        {"role": "user", "content": "Name a prime."},
        {"role": "assistant", "content": "Seven."},
        {"role": "user", "content": "Another?"},
    ]
    # The 2.x client has no sampling knobs, and the API version it speaks rejects them.
    assert "temperature" not in sent.body
    assert "seed" not in sent.body


SHAPES = [
    pytest.param([system("Rule one."), user("Hi"), system("Rule two.")], "Rule one.\n\nRule two.",
                 [{"role": "user", "content": "Hi"}], id="system-messages-joined-by-blank-lines"),
    pytest.param([user("Hi")], None, [{"role": "user", "content": "Hi"}], id="no-system-sends-no-system"),
    pytest.param([user("First."), user("Second.")], None, [{"role": "user", "content": "First.\n\nSecond."}],
                 id="consecutive-user-messages-merged"),
    pytest.param([user("Q"), assistant("Part one."), assistant("Part two."), user("And?")], None,
                 [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "Part one.\n\nPart two."},
                  {"role": "user", "content": "And?"}], id="consecutive-assistant-messages-merged"),
    pytest.param([system("Persona."), assistant("Welcome to AcmeBank!"), user("Hi")], "Persona.",
                 [{"role": "user", "content": OPENING_TURN}, {"role": "assistant", "content": "Welcome to AcmeBank!"},
                  {"role": "user", "content": "Hi"}], id="leading-assistant-gets-an-opening-user-turn"),
    pytest.param([system("Only rules.")], "Only rules.", [{"role": "user", "content": OPENING_TURN}],
                 id="system-only-gets-an-opening-user-turn"),
    pytest.param([user("Hi"), user("  "), assistant(""), user("Still there?")], None,
                 [{"role": "user", "content": "Hi\n\nStill there?"}], id="blank-messages-dropped"),
    pytest.param([user("Answer yes or no."), assistant("The answer is ")], None,
                 [{"role": "user", "content": "Answer yes or no."}, {"role": "assistant", "content": "The answer is"}],
                 id="final-assistant-prefill-loses-trailing-space"),
]


@pytest.mark.parametrize(("prompt", "expected_system", "expected_messages"), SHAPES)
def test_the_prompt_is_reshaped_for_the_messages_api(
        api: ScriptedAPI, backend: AnthropicBackend, prompt: list[ChatMessage], expected_system: str | None,
        expected_messages: list[dict[str, Any]]) -> None:
    backend.generate(prompt, QUICK)
    assert api.last.body.get("system") == expected_system
    assert api.last.body["messages"] == expected_messages


def test_stream_yields_the_text_deltas_in_order_and_they_join_to_the_answer(
        api: ScriptedAPI, backend: AnthropicBackend) -> None:
    got = list(backend.stream(PROMPT, QUICK))
    assert got == pieces(TEXT)  # message_start, block start/stop, ping and message_delta add nothing
    assert "".join(got) == TEXT
    assert api.last.body["stream"] is True
    assert api.last.body["system"] == "You are a terse assistant."


def test_stream_sends_nothing_until_it_is_read(api: ScriptedAPI, backend: AnthropicBackend) -> None:
    pending = backend.stream(PROMPT, QUICK)
    assert api.requests == []
    assert next(pending) == pieces(TEXT)[0]
    assert len(api.requests) == 1
    pending.close()


def test_a_reader_may_stop_early_and_the_connection_is_released(api: ScriptedAPI,
                                                                backend: AnthropicBackend) -> None:
    reader = backend.stream(PROMPT, QUICK)
    assert next(reader) == pieces(TEXT)[0]
    reader.close()  # with -W error, an unclosed response or socket would fail the test
    assert backend.generate(PROMPT, QUICK) == TEXT


# --- keys, model and the SDK --------------------------------------------------------------------


def test_the_key_comes_from_the_named_environment_variable(api: ScriptedAPI,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARTER_TEST_CLAUDE_KEY", "sk-ant-from-the-environment")
    keyed = AnthropicBackend(config(base_url=api.anthropic_base_url, api_key_env="CHARTER_TEST_CLAUDE_KEY"))
    keyed.generate(PROMPT, QUICK)
    assert sent_key(api.last.headers) == "sk-ant-from-the-environment"
    keyed.close()


def test_a_server_at_a_base_url_without_a_key_gets_a_placeholder(api: ScriptedAPI,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    keyless = AnthropicBackend(config(base_url=api.anthropic_base_url))
    assert keyless.generate(PROMPT, QUICK) == TEXT
    assert sent_key(api.last.headers)
    keyless.close()


@pytest.mark.parametrize(("fields", "variable"), [
    ({}, "ANTHROPIC_API_KEY"),
    ({"api_key_env": "CHARTER_TEST_UNSET_KEY"}, "CHARTER_TEST_UNSET_KEY"),
], ids=["real-provider-default-variable", "real-provider-named-variable"])
def test_a_missing_key_is_unavailable_and_names_the_variable(fields: dict[str, object], variable: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("CHARTER_TEST_UNSET_KEY", raising=False)
    with pytest.raises(BackendUnavailable, match=variable) as caught:
        create_backend(config(**fields))
    assert "'claude'" in str(caught.value)


def test_a_missing_model_is_unavailable_and_says_what_to_set() -> None:
    with pytest.raises(BackendUnavailable, match="set `model`"):
        create_backend(BackendConfig(name="claude", kind="anthropic", base_url="http://127.0.0.1:9"))


def test_a_base_url_without_an_http_scheme_is_refused_before_any_request() -> None:
    with pytest.raises(BackendUnavailable, match="must start with http:// or https://"):
        create_backend(config(base_url="localhost:8080"))


def test_a_missing_sdk_gives_the_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    # The only way to make an installed package unimportable for one test.
    monkeypatch.setitem(sys.modules, "anthropic", None)
    with pytest.raises(BackendUnavailable, match=r"pip install 'charter\[anthropic\]'"):
        create_backend(config(base_url="http://127.0.0.1:9"))


def test_the_key_never_appears_in_an_error(api: ScriptedAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-ant-test-very-secret-0123456789"
    monkeypatch.setenv("CHARTER_TEST_CLAUDE_KEY", secret)
    keyed = AnthropicBackend(config(base_url=api.anthropic_base_url, api_key_env="CHARTER_TEST_CLAUDE_KEY"))
    api.script(Status(401, f"invalid x-api-key: {secret}"))
    with pytest.raises(BackendError) as caught:
        keyed.generate(PROMPT, QUICK)
    assert secret not in str(caught.value)
    assert "HTTP 401" in str(caught.value)
    keyed.close()


# --- faults ------------------------------------------------------------------------------------

FAULTS = [
    pytest.param(Status(500, "Internal server error"), BackendError, ["HTTP 500", "Internal server error"],
                 id="http-500"),
    pytest.param(Status(401, "invalid x-api-key"), BackendError, ["HTTP 401", "invalid x-api-key"], id="http-401"),
    pytest.param(Hang(seconds=5), BackendTimeout, ["within 0.5 s"], id="hang-past-timeout"),
    pytest.param(Malformed(), BackendError, ["malformed JSON"], id="malformed-json"),
    pytest.param(NoText(), BackendError, ["without text"], id="no-text"),
]


@pytest.mark.parametrize("mode", ["generate", "stream"])
@pytest.mark.parametrize(("reply", "error", "says"), FAULTS)
def test_every_fault_becomes_a_charter_error_naming_backend_and_url(
        api: ScriptedAPI, backend: AnthropicBackend, mode: str, reply: Reply, error: type[BackendError],
        says: list[str]) -> None:
    api.script(reply)
    with pytest.raises(BackendError) as caught:
        if mode == "generate":
            backend.generate(PROMPT, patience(reply))
        else:
            list(backend.stream(PROMPT, patience(reply)))
    assert type(caught.value) is error  # a timeout is a BackendTimeout, nothing else is
    message = str(caught.value)
    assert "backend 'claude'" in message
    assert f"{api.anthropic_base_url}/v1/messages" in message
    for fragment in says:
        assert fragment in message


MID_STREAM = [
    pytest.param(DropMidStream(after=2, text=TEXT), 2, BackendError, "broke off mid-stream", id="connection-drops"),
    pytest.param(StreamErrorEvent(after=1, message="Overloaded", text=TEXT), 1, BackendError,
                 "error mid-stream: Overloaded", id="overloaded-error-event"),
    pytest.param(Hang(seconds=5, after=3, text=TEXT), 3, BackendTimeout, "mid-stream", id="stalls"),
    pytest.param(EndsEarly(after=2, text=TEXT), 2, BackendError, "ended before the model finished",
                 id="ends-without-message-stop"),
]


@pytest.mark.parametrize(("reply", "delivered", "error", "says"), MID_STREAM)
def test_a_fault_mid_stream_is_raised_from_the_iterator_after_the_pieces_already_sent(
        api: ScriptedAPI, backend: AnthropicBackend, reply: Reply, delivered: int, error: type[BackendError],
        says: str) -> None:
    api.script(reply)
    received: list[str] = []
    with pytest.raises(BackendError) as caught:
        for piece in backend.stream(PROMPT, patience(reply)):
            received.append(piece)
    assert received == pieces(TEXT)[:delivered]
    assert type(caught.value) is error
    assert says in str(caught.value)
    assert "backend 'claude'" in str(caught.value)


@pytest.mark.parametrize("mode", ["generate", "stream"])
def test_an_unreachable_server_is_an_error_naming_the_url(mode: str) -> None:
    url = f"http://127.0.0.1:{unused_port()}"
    unreachable = AnthropicBackend(config(base_url=url))
    with pytest.raises(BackendError, match="could not connect") as caught:
        if mode == "generate":
            unreachable.generate(PROMPT, QUICK)
        else:
            list(unreachable.stream(PROMPT, QUICK))
    assert type(caught.value) is BackendError
    assert f"{url}/v1/messages" in str(caught.value)
    unreachable.close()


def test_a_truncated_json_answer_is_an_error_not_a_partial_text(api: ScriptedAPI,
                                                                backend: AnthropicBackend) -> None:
    api.script(DropMidStream(text=TEXT))
    with pytest.raises(BackendError, match="before a whole answer arrived"):
        backend.generate(PROMPT, QUICK)
