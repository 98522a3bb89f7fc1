#!/usr/bin/env python3
"""The simplest SSE reader a client writes for the Gemini API: every
"data:" line is one JSON object (what Google's SDKs assume, and what the
service sends). Reads a response body saved by curl and checks it is
framed that way and nothing else: each event exactly one "data: " line,
ended by CRLF, then a blank CRLF line; every data line a whole JSON
object on its own.

    sse_one_line.py BODY OUT_PNG

Writes the final image (the last non-thought inlineData part) to OUT_PNG
and prints one JSON line: events, thoughts, images, finish, signed. Exit 1,
saying why on stderr, when the body is framed any other way.
"""
import base64
import json
import sys


def fail(why):
    print(f"sse_one_line.py: {why}", file=sys.stderr)
    sys.exit(1)


def main():
    body_path, out_path = sys.argv[1], sys.argv[2]
    with open(body_path, "rb") as f:
        body = f.read()
    if not body.endswith(b"\r\n\r\n"):
        fail("the body does not end with a blank CRLF line")
    lines = body[:-2].split(b"\r\n")
    events = thoughts = images = 0
    finish = None
    image = None
    signed = False
    expect_data = True  # an event's one data line, then its blank line
    for n, line in enumerate(lines):
        if b"\r" in line or b"\n" in line:
            fail(f"line {n + 1}: a bare CR or LF inside it")
        if not expect_data:
            if line:
                fail(f"line {n + 1}: a second line in one event: {line[:60]!r}")
            expect_data = True
            continue
        if not line.startswith(b"data: "):
            fail(f"line {n + 1}: not a data line: {line[:60]!r}")
        try:
            ev = json.loads(line[6:].decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            fail(f"line {n + 1}: not one JSON object: {e}")
        events += 1
        expect_data = False
        for cand in ev.get("candidates", []):
            finish = cand.get("finishReason", finish)
            for part in cand.get("content", {}).get("parts", []):
                if part.get("thought") and "text" in part:
                    thoughts += 1
                blob = part.get("inlineData")
                if blob is None:
                    continue
                images += 1
                if not part.get("thought"):
                    image = base64.b64decode(blob["data"], validate=True)
                    signed = isinstance(part.get("thoughtSignature"), str)
    if image is not None:
        with open(out_path, "wb") as f:
            f.write(image)
    print(json.dumps({"events": events, "thoughts": thoughts,
                      "images": images, "finish": finish, "signed": signed}))


if __name__ == "__main__":
    main()
