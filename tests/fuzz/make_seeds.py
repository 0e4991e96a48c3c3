#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_csv_reader (corpus/csv_reader/).

    python3 tests/fuzz/make_seeds.py

Each seed is the 4-byte option header of fuzz_csv_reader.c followed by the
CSV payload.  Files are rewritten in place; files in the directory that are
not listed here (crash-* reproducers, inputs added by hand) are left alone.
The schema seeds (corpus/schema/) are plain YAML files kept by hand.
"""
import gzip
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "csv_reader")

# option byte (see fuzz_csv_reader.c)
COMMA, SEMI, TAB, PIPE = 0, 1, 2, 3
SMALL_FIELD, SMALL_FIELDS, SMALL_RECORD = 4, 8, 16
TWO, THREE, STEP, EMPTY = 0 << 5, 1 << 5, 2 << 5, 3 << 5
SOURCE = 128


def hdr(opts=0, lim=0, split=128, extra=0):
    return bytes([opts, lim, split, extra])


def gz(data, mtime=0):
    return gzip.compress(data, mtime=mtime)


SEEDS = {
    "simple": hdr(COMMA | TWO, 0, 100) + b"year,sex,age\n2021,M,34\n2021,F,7\n",
    "quoted-delim": hdr(COMMA | THREE, 0, 60, 10) + b'id,name\n1,"Smith, John"\n2,"x"\n',
    "doubled-quotes": hdr(COMMA | TWO, 0, 30) + b'1,"He said ""hi""",""""\n2,"""",x\n',
    "quoted-newline": hdr(COMMA | STEP, 0, 0, 2) + b'1,"line1\nline2\n\nline4",3\n4,5,6\n',
    "crlf": hdr(COMMA | TWO, 0, 9) + b"a,b\r\n1,2\r\n3,4\r\n",
    "quoted-crlf": hdr(COMMA | STEP, 0, 0, 0) + b'"a\r\nb",c\r\n"d\r",e\r\n',
    "bom": hdr(COMMA | STEP, 0, 0, 0) + b"\xef\xbb\xbfa,b\n1,2\n",
    "bom-only": hdr(COMMA | TWO, 0, 128) + b"\xef\xbb\xbf",
    "bom-partial": hdr(COMMA | TWO, 0, 128) + b"\xef\xbb,x\n",
    "stray-quote": hdr(COMMA | TWO, 0, 64) + b'a,b\nc,d"e,f\ng,h\n',
    "after-closing-quote": hdr(COMMA | TWO, 0, 64) + b'ok,1\n"ab"c,d\n',
    "space-after-quote": hdr(COMMA | THREE, 0, 50, 12) + b' a , "b" \n',
    "unterminated": hdr(COMMA | THREE, 0, 40, 8) + b'a,b\n1,"bc\nd,e\n',
    "unterminated-eof": hdr(COMMA | TWO, 0, 200) + b'a,"',
    "empty-lines": hdr(COMMA | EMPTY, 0, 100) + b"\n\na,b\n\n\r\n1,2\n\n\r\n",
    "empty-fields": hdr(COMMA | TWO, 0, 50) + b",,\n,\n\"\",\"\"\n",
    "only-quotes": hdr(COMMA | TWO, 0, 50) + b'""\n""""\n"",""\n"""""",""\n',
    "long-field": hdr(COMMA | TWO, 0, 128) + b"x" * 3000 + b",y\n",
    "long-field-limit": hdr(COMMA | SMALL_FIELD | THREE, 20, 90, 3) + b"short,ok\n" + b"x" * 100 + b",y\n",
    "long-quoted-limit": hdr(COMMA | SMALL_FIELD | STEP, 7, 0, 5) + b'a,"' + b"q" * 40 + b'"\n',
    "many-fields": hdr(COMMA | TWO, 0, 128) + b"," * 1500 + b"\n" + b"a," * 20 + b"a\n",
    "many-fields-limit": hdr(COMMA | SMALL_FIELDS | TWO, 3, 128) + b"a,b,c,d\n1,2,3,4,5\n",
    "many-quoted-fields-limit": hdr(COMMA | SMALL_FIELDS | TWO, 2, 128) + b'"a","b","c","d"\n',
    "record-limit": hdr(COMMA | SMALL_RECORD | STEP, 0, 0, 15)
    + b'a,"' + b"0123456789\n" * 10 + b'"\n',
    "record-limit-eof": hdr(COMMA | SMALL_RECORD | TWO, 10, 128) + b"z" * 200,
    "no-trailing-newline": hdr(COMMA | TWO, 0, 200) + b"a,b\n1,2",
    "no-trailing-newline-quoted": hdr(COMMA | TWO, 0, 200) + b'a,b\n1,"2\n3"',
    "tabs": hdr(TAB | TWO, 0, 40) + b"a\tb\tc\n1\t\t3\n\t\t\n\"x\ty\"\tz\n",
    "semicolon": hdr(SEMI | THREE, 0, 40, 9) + b'a;b\n"x;y";z\n1,5;2,5\n',
    "pipe": hdr(PIPE | EMPTY, 0, 128) + b"a|b|c\n1|2|3\n|\n",
    "utf8-nul": hdr(COMMA | STEP, 0, 0, 3) + "é,ü,名前\n".encode() + b"\x00,\x00\x00\n\"\x00\",x\n",
    "stop-after-rows": hdr(COMMA | TWO, 0, 64, 0xC0 | (1 << 2)) + b"h1,h2\n1,2\n3,4\n5,6\n",
    "oom": hdr(COMMA | TWO, 0, 64, 0x80 | 3) + b'h1,h2\n"1",2\n3,"4\n5"\n',
    "bare-cr-line-end": hdr(COMMA | TWO, 0, 64) + b"a,b\r\n1,2\r",
    "source-plain": hdr(COMMA | SOURCE | TWO, 0, 64) + b"a,b\n1,\"2\"\n",
    "source-gzip": hdr(COMMA | SOURCE | TWO, 0, 64) + gz(b"a,b\n1,2\n3,\"4\n5\"\n"),
    "source-gzip-two-members": hdr(COMMA | SOURCE | TWO, 0, 64) + gz(b"a,b\n1,") + gz(b"2\n"),
    "source-gzip-truncated": hdr(COMMA | SOURCE | TWO, 0, 64) + gz(b"a,b\n1,2\n" * 20)[:-12],
    "source-gzip-trailing-junk": hdr(COMMA | SOURCE | TWO, 0, 64) + gz(b"a,b\n") + b"junk",
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(SEEDS)} seeds to {OUT}")


if __name__ == "__main__":
    main()
