"""Shared by the sandbox tests: a canary listener, the issue's SSRF query and its variants,
generated attack queries, and the query whose answer doubles 23 times."""

import random
import socket
import threading


class Canary:
    """A listener on 127.0.0.1 that counts every connection it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/internal/sparql"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


def escape_variants(url: str) -> list[str]:
    """The issue's bypass and its relatives: other escapes, other comment positions."""
    service = f"SERVICE <{url}> {{ ?a ?b ?c }}"
    newlines = ["\\u000A", "\\u000a", "\\U0000000A", "\\u000D", "\\u000D\\u000A"]
    variants = []
    for newline in newlines:
        variants += [
            f'SELECT * WHERE {{ # {newline} ?s ?p """\n{service} # """\n}}',
            f"SELECT * WHERE {{ # {newline} ?s ?p '''\n{service} # '''\n}}",
            f'# {newline} SELECT * WHERE {{ ?s ?p """\n}} {service} # """\n',
            f'SELECT * WHERE {{ ?s ?p ?o # x {newline} FILTER("\n{service} #")\n}}',
        ]
    variants += [
        f"SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ SERVIC\\u0045 <{url}> {{ ?a ?b ?c }} }}",
        f"SELECT * WHERE {{ \\u0023 {service}\n }}",
        f"SELECT * WHERE {{ {service.replace('<', chr(92) + 'u003C')} }}",
        f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
        f"LOAD <{url}>",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?a ?b ?c }} }}",
    ]
    return variants


def generated_queries(url: str, count: int, seed: int = 12) -> list[str]:
    """Random mixes of comments, codepoint escapes, long strings and SERVICE/LOAD/FROM."""
    rng = random.Random(seed)
    escapes = ["\\u000A", "\\u000D", "\\u0023", "\\u0022", "\\u0027", "\\u003E", "\\u007B"]
    pieces = [
        "# ",
        "\n",
        '"""',
        "'''",
        '"',
        "'",
        " ?s ?p ?o ",
        "{",
        "}",
        " . ",
        f"SERVICE <{url}> {{ ?a ?b ?c }}",
        f"SERVICE SILENT <{url}> {{ ?a ?b ?c }}",
        f"FROM <{url}>",
        f"FROM NAMED <{url}>",
        f"LOAD <{url}>",
        "x" * 300,
        "FILTER(",
        ")",
        *escapes,
    ]
    queries = []
    for _ in range(count):
        body = "".join(rng.choice(pieces) for _ in range(rng.randint(3, 14)))
        queries.append(rng.choice(["SELECT * WHERE { ", "SELECT * ", "ASK { ", ""]) + body)
    return queries


DOUBLING = (
    "SELECT * WHERE { VALUES ?k { 1 2 3 4 5 6 7 8 } BIND(CONCAT(STR(?k), STR(?k)) AS ?y1) "
    + " ".join(f"BIND(CONCAT(?y{i}, ?y{i}) AS ?y{i + 1})" for i in range(1, 23))
    + " }"
)
