#!/usr/bin/python3
"""embedkit-serve over loopback: every route, every error class, concurrent clients, SIGTERM.

    serve_driver.py --serve BIN --encode BIN --object2vec BIN --model DIR

Expected embeddings come from the library itself: embedkit_encode (SentenceEncoder::encode) for
the sentence model, embedkit_object2vec (Object2Vec::demo() on AWS's example request) for the
demo model. Standard library only; every wait is bounded, and each server is killed if a check
fails. Exit status 0 when every check passes.
"""
import argparse
import base64
import http.client
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

TOL = 1e-6
FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)
    return cond


def close(a, b):
    return len(a) == len(b) and all(abs(x - y) <= TOL for x, y in zip(a, b))


def rows_close(got, want, what):
    ok = isinstance(got, list) and len(got) == len(want) and all(close(g, w) for g, w in zip(got, want))
    check(ok, what + ": embeddings differ from the library's")


class Server:
    """One embedkit-serve process on a free port (--port 0, port read from its stdout)."""

    def __init__(self, binary, args, env=None):
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen([binary, "--host", "127.0.0.1", "--port", "0"] + args,
                                     stdout=subprocess.PIPE, stderr=sys.stderr, env=full_env, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on http://[^:]+:(\d+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("embedkit-serve did not print its port: %r" % line)
        self.port = int(m.group(1))
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if self.request("GET", "/ping")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.proc.kill()
        raise RuntimeError("embedkit-serve never answered /ping with 200")

    def request(self, method, path, body=None, headers=None, timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
                headers = dict({"Content-Type": "application/json"}, **(headers or {}))
            if isinstance(body, str):
                body = body.encode("utf-8")
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, r.read(), dict((k.lower(), v) for k, v in r.getheaders())
        finally:
            conn.close()

    def json(self, method, path, body=None, headers=None):
        status, data, _ = self.request(method, path, body, headers)
        try:
            return status, json.loads(data) if data else None
        except ValueError:
            return status, data

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return None


def expected_sentences(encode, model, texts, *options):
    out = subprocess.run([encode, "--model", model] + list(options) + texts, check=True,
                         capture_output=True, text=True, timeout=120).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == len(texts)
    return rows


def error_shape(body, tei):
    return (isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"] != ""
            and (not tei or isinstance(body.get("error_type"), str)))


def oversized(server, path, length):
    """Headers announcing `length` bytes, no body: the answer must come without reading it."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   "Content-Length: %d\r\n\r\n" % (path, length)).encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return int(data.split(b" ")[1]) if data.startswith(b"HTTP/1.1 ") else None


def sentence_checks(args, texts):
    want_norm = expected_sentences(args.encode, args.model, texts, "--normalize")
    want_raw8 = expected_sentences(args.encode, args.model, texts, "--truncate-dim", "8")
    want_norm8 = expected_sentences(args.encode, args.model, texts, "--truncate-dim", "8", "--normalize")
    long_text = " ".join(["word"] * 200)
    want_long = expected_sentences(args.encode, args.model, [long_text], "--normalize")

    s = Server(args.serve, ["--model", args.model, "--max-client-batch-size", "64"])
    try:
        # TEI's /embed: defaults, dimensions with and without normalize, a single string.
        st, body = s.json("POST", "/embed", {"inputs": texts})
        check(st == 200, "/embed status %s" % st)
        rows_close(body, want_norm, "/embed")
        st, body = s.json("POST", "/embed", {"inputs": texts, "normalize": False, "dimensions": 8})
        rows_close(body, want_raw8, "/embed normalize=false dimensions=8")
        st, body = s.json("POST", "/embed", {"inputs": texts, "dimensions": 8})
        rows_close(body, want_norm8, "/embed dimensions=8")
        st, body = s.json("POST", "/embed", {"inputs": texts[1]})
        rows_close(body, want_norm[1:2], "/embed single string")
        st, body = s.json("POST", "/embed", {"inputs": [long_text], "truncate": True,
                                             "truncation_direction": "right"})
        rows_close(body, want_long, "/embed truncate=true")

        # OpenAI's /v1/embeddings: float and base64 (little-endian float32).
        st, body = s.json("POST", "/v1/embeddings", {"input": texts, "model": "m"})
        check(st == 200 and body["object"] == "list" and body["model"] == "m", "/v1/embeddings shape")
        rows_close([d["embedding"] for d in body["data"]], want_norm, "/v1/embeddings")
        check([d["index"] for d in body["data"]] == list(range(len(texts))), "/v1/embeddings indices")
        check(all(d["object"] == "embedding" for d in body["data"]), "/v1/embeddings objects")
        check(body["usage"]["prompt_tokens"] > len(texts) and
              body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"], "/v1/embeddings usage")
        st, body = s.json("POST", "/v1/embeddings", {"input": texts, "encoding_format": "base64",
                                                     "dimensions": 8})
        decoded = []
        for d in body["data"]:
            raw = base64.b64decode(d["embedding"])
            decoded.append(list(struct.unpack("<%df" % (len(raw) // 4), raw)))
        rows_close(decoded, want_norm8, "/v1/embeddings base64")

        # SageMaker's /invocations for a sentence model: JSON, text lines, JSON Lines both ways.
        st, body = s.json("POST", "/invocations", {"inputs": texts})
        rows_close(body, want_norm, "/invocations application/json")
        plain = [t for t in texts if "\n" not in t and "\r" not in t]
        want_plain = [want_norm[texts.index(t)] for t in plain]
        st, data, hdr = s.request("POST", "/invocations", "\n".join(plain) + "\n",
                                  {"Content-Type": "text/plain; charset=utf-8",
                                   "Accept": "application/jsonlines"})
        check(st == 200 and hdr.get("content-type", "").startswith("application/jsonlines"),
              "/invocations text/plain -> jsonlines status/type")
        rows_close([json.loads(l)["embedding"] for l in data.decode().splitlines()], want_plain,
                   "/invocations text/plain")
        st, body = s.json("POST", "/invocations",
                          "".join(json.dumps({"text": t}) + "\n" for t in texts),
                          {"Content-Type": "application/jsonlines",
                           "X-Amzn-SageMaker-Custom-Attributes": "trace=1", "X-Unknown": "y"})
        rows_close(body, want_norm, "/invocations application/jsonlines")

        # /tokenize: [CLS] ... [SEP], each piece's offsets covering its text.
        text = "Hello, world!"
        st, body = s.json("POST", "/tokenize", {"inputs": [text]})
        toks = body[0]
        check(toks[0]["special"] and toks[0]["text"] == "[CLS]" and toks[-1]["text"] == "[SEP]",
              "/tokenize specials")
        check([t["text"] for t in toks[1:-1]] == ["Hello", ",", "world", "!"], "/tokenize pieces")
        check(all(text.encode()[t["start"]:t["stop"]].decode() == t["text"] for t in toks[1:-1]),
              "/tokenize offsets")
        st, body = s.json("POST", "/tokenize", {"inputs": text, "add_special_tokens": False})
        check([t["id"] for t in body[0]] == [t["id"] for t in toks[1:-1]], "/tokenize without specials")

        # /info, /health, /ping, /execution-parameters.
        st, info = s.json("GET", "/info")
        check(st == 200 and info["max_input_length"] == 48 and info["model_id"] == "mean_normalize"
              and info["max_batch_tokens"] == 16384 and info["max_client_batch_size"] == 64, "/info")
        st, data, _ = s.request("GET", "/health")
        check(st == 200 and data == b"", "/health")
        st, data, _ = s.request("GET", "/ping")
        check(st == 200 and data == b"", "/ping")

        # TEI's errors.
        for body, status, what in [
            ("{bad", 400, "bad JSON"),
            ({"inputs": []}, 400, "empty inputs"),
            ({"inputs": "x", "dimensions": 0}, 422, "dimensions 0"),
            ({"inputs": "x", "dimensions": 17}, 422, "dimensions > dim"),
            ({"inputs": 5}, 422, "inputs a number"),
            ({"inputs": "x", "normalize": "yes"}, 422, "normalize a string"),
            ({"inputs": "x", "prompt_name": "nope"}, 422, "unknown prompt_name"),
            ({"inputs": "x", "truncation_direction": "middle"}, 422, "bad truncation_direction"),
            ({"inputs": [long_text]}, 413, "too long, truncate false"),
            ({"inputs": ["x"] * 65}, 413, "more than --max-client-batch-size"),
        ]:
            st, reply = s.json("POST", "/embed", body, {"Content-Type": "application/json"}
                               if isinstance(body, str) else None)
            check(st == status and error_shape(reply, True), "/embed %s: %s %r" % (what, st, reply))
        st, reply = s.json("POST", "/v1/embeddings", {"input": "x", "encoding_format": "int8"})
        check(st == 422 and error_shape(reply, True), "/v1/embeddings bad encoding_format")
        st, reply = s.json("POST", "/invocations", "{bad", {"Content-Type": "application/json"})
        check(st == 400 and error_shape(reply, False), "/invocations bad JSON -> 400")
        st, reply = s.json("POST", "/invocations", "x", {"Content-Type": "image/png"})
        check(st == 415 and error_shape(reply, False), "/invocations 415")
        st, reply = s.json("POST", "/invocations", {"inputs": "x"}, {"Accept": "image/png"})
        check(st == 406 and error_shape(reply, False), "/invocations 406")

        # Concurrent clients: 8 threads x 20 requests, each answer checked.
        results = []
        lock = threading.Lock()

        def client(k):
            for i in range(20):
                pick = [(k + i + j) % len(texts) for j in range(1 + (k + i) % 4)]
                try:
                    st, body = s.json("POST", "/embed", {"inputs": [texts[p] for p in pick]})
                    ok = st == 200 and len(body) == len(pick) and all(
                        close(b, want_norm[p]) for b, p in zip(body, pick))
                except Exception as e:  # noqa: BLE001 - any failure is a failed check
                    ok = False
                    print("client error:", e, flush=True)
                with lock:
                    results.append(ok)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        check(len(results) == 160 and all(results), "concurrent clients: %d of 160 right" % sum(results))

        st, data, _ = s.request("GET", "/metrics")
        m = data.decode()
        for name in ["te_request_count", "te_request_duration_bucket", "te_request_queue_duration",
                     "te_batch_next_size", "te_batch_next_tokens", "te_queue_size"]:
            check(name in m, "/metrics has " + name)
        sizes = re.search(r"te_batch_next_size_count (\d+)", m)
        check(sizes is not None and int(sizes.group(1)) > 0, "/metrics counts batches")
    finally:
        check(s.stop() == 0, "sentence server exit status 0 after SIGTERM")


def object2vec_checks(args):
    want = json.loads(subprocess.run([args.object2vec], check=True, capture_output=True, text=True,
                                     timeout=120).stdout)
    request = {"instances": [
        {"in0": [6, 17, 606, 19, 53, 67, 52, 12, 5, 10, 15, 10178, 7, 33, 652, 80, 15, 69, 821, 4]},
        {"in0": [22, 1016, 32, 13, 25, 11, 5, 64, 573, 45, 5, 80, 15, 67, 21, 7, 9, 107, 4]},
        {"in0": [774, 14, 21, 206]}]}
    want_rows = [p["embeddings"] for p in want["predictions"]]
    s = Server(args.serve, [], env={"SAGEMAKER_MAX_PAYLOAD_IN_MB": "1"})
    try:
        st, body = s.json("POST", "/invocations", request, {"Accept": "application/json"})
        check(st == 200, "object2vec /invocations status %s" % st)
        rows_close([p["embeddings"] for p in body["predictions"]], want_rows, "object2vec json")
        lines = "".join(json.dumps(i) + "\n" for i in request["instances"])
        st, data, hdr = s.request("POST", "/invocations", lines,
                                  {"Content-Type": "application/jsonlines",
                                   "Accept": "application/jsonlines"})
        check(st == 200 and hdr.get("content-type", "").startswith("application/jsonlines"),
              "object2vec jsonlines status/type")
        rows_close([json.loads(l)["embeddings"] for l in data.decode().splitlines()], want_rows,
                   "object2vec jsonlines")
        st, body = s.json("POST", "/invocations", {"instances": [{"in0": [1, 2], "in1": [3, 4]}]})
        check(st == 200 and len(body["predictions"][0]["scores"]) == 2 and
              abs(sum(body["predictions"][0]["scores"]) - 1) < 1e-5, "object2vec scores")

        st, body = s.json("GET", "/execution-parameters")
        check(st == 200 and body == {"MaxConcurrentTransforms": body.get("MaxConcurrentTransforms"),
                                     "BatchStrategy": "MULTI_RECORD", "MaxPayloadInMB": 1}
              and isinstance(body["MaxConcurrentTransforms"], int), "/execution-parameters %r" % body)

        for body, headers, status, what in [
            ("{\"instances\": [", {}, 400, "bad JSON"),
            ({"instances": [{"in0": [1, -1]}]}, {}, 400, "negative id"),
            ({"instances": [{"in0": [1, "a"]}]}, {}, 400, "id not an integer"),
            ({"instances": [{"in0": [30000]}]}, {}, 400, "id outside the vocabulary"),
            ({"instances": [{"in0": [1]}]},
             {"Content-Type": "application/json; infer_max_seqlens=0,5"}, 400, "bad infer_max_seqlens"),
            ({"instances": [{"in0": [1]}]}, {"Content-Type": "text/csv"}, 415, "unsupported content type"),
            ({"instances": [{"in0": [1]}]}, {"Accept": "text/csv"}, 406, "unsupported accept"),
        ]:
            hdrs = {"Content-Type": "application/json"}
            hdrs.update(headers)
            st, reply = s.json("POST", "/invocations", body if isinstance(body, str) else json.dumps(body), hdrs)
            check(st == status and error_shape(reply, False), "object2vec %s: %s %r" % (what, st, reply))
        st, body = s.json("POST", "/invocations", request,
                          {"Content-Type": "application/json; infer_max_seqlens=3,3"})
        check(st == 200 and len(body["predictions"]) == 3, "object2vec infer_max_seqlens accepted")
        check(oversized(s, "/invocations", 1024 * 1024 + 1) == 413, "413 past SAGEMAKER_MAX_PAYLOAD_IN_MB")
        st, _, _ = s.request("POST", "/invocations", json.dumps(request), {"Content-Type": "application/json"})
        check(st == 200, "the server still answers after a 413")
        st, reply = s.json("GET", "/embed")
        check(st == 404, "no TEI routes for an Object2Vec model")
    finally:
        check(s.stop() == 0, "object2vec server exit status 0 after SIGTERM")


def sigterm_checks(args, texts):
    """Requests waiting in the batch queue when SIGTERM comes are all answered, then exit 0."""
    want = expected_sentences(args.encode, args.model, texts, "--normalize")
    s = Server(args.serve, ["--model", args.model, "--batch-wait-ms", "400", "--threads", "12"])
    results = {}

    def client(k):
        try:
            st, body = s.json("POST", "/embed", {"inputs": [texts[k % len(texts)]]})
            results[k] = st == 200 and close(body[0], want[k % len(texts)])
        except Exception as e:  # noqa: BLE001
            print("client error:", e, flush=True)
            results[k] = False

    threads = [threading.Thread(target=client, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    deadline = time.time() + 30
    while time.time() < deadline:
        _, data, _ = s.request("GET", "/metrics")
        m = re.search(r"embedkit_requests_in_flight (\d+)", data.decode())
        if m and int(m.group(1)) >= 6:
            break
        time.sleep(0.01)
    s.proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join(timeout=60)
    try:
        code = s.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        s.proc.kill()
        code = None
    check(len(results) == 6 and all(results.values()), "SIGTERM: every request in flight answered %r" % results)
    check(code == 0, "SIGTERM: exit status %r" % code)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--serve", required=True)
    p.add_argument("--encode", required=True)
    p.add_argument("--object2vec", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--texts", required=True)
    args = p.parse_args()
    with open(args.texts, encoding="utf-8") as f:
        # Texts within max_seq_length (48 tokens): at most 40 bytes give at most 42 tokens.
        texts = [t for t in json.load(f)["sentences"]
                 if not t.startswith("-") and "\0" not in t and len(t.encode()) <= 40][:24]
    start = time.time()
    sentence_checks(args, texts)
    object2vec_checks(args)
    sigterm_checks(args, texts)
    print("serve_driver: %d failure(s), %.1f s" % (len(FAILURES), time.time() - start), flush=True)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
