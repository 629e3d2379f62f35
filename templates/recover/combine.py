# drkit kit format 1, Python 3: python3 combine.py --envelope ENVELOPE.txt --write-envelope OUT.gpg SHARE.txt...
import hashlib, re, sys; from functools import reduce
A, T = "0123456789ABCDEFGHJKMNPQRSTVWXYZ", str.maketrans("OILoil", "011011")
V = {c: A.index(c.translate(T).upper()) for c in A + A.lower() + "OILoil"}
CK = "check characters do not match (a typo, two characters swapped, or a line from another share or kit)"
NA = " is not allowed (use 0-9 and A-Z without I, L, O, U)"
def fail(*parts, sep=""): sys.exit("error: " + sep.join(str(p) for p in parts))
def at(f, n, *msg): fail(f, " line ", n, ": ", *msg)
def sha(tag, data): return hashlib.sha256(tag.encode() + data).digest()
def b32(b):
    s = "".join(format(x, "08b") for x in b) + "0" * (-len(b) * 8 % 5)
    return "".join(A[int(s[i:i + 5], 2)] for i in range(0, len(s), 5))
def unb32(sy):
    s = "".join(format(x, "05b") for x in sy); nb = len(s) // 8
    return None if -(-nb * 8 // 5) != len(sy) or "1" in s[nb * 8:] else int(s[:nb * 8] or "0", 2).to_bytes(nb, "big")
def mask(kid): d = sha("drkit/1 line check", kid); return (d[0] << 8 | d[1]) >> 6
def check(s, ln, pay, m, x=0, h=0):
    for w in [s, ln >> 5, ln & 31] + pay: x, h = x ^ w, (h << 1 ^ (0x25 if h & 16 else 0)) ^ w
    return [x ^ m >> 5, h ^ m & 31]
def verify(f, line, s, m): check(s, line[0], line[1], m) == line[2] or at(f, line[0], CK)
def parse(f):
    lines, notes = [], []
    for raw in open(f, encoding="utf-8").read().splitlines():
        if not raw.strip() or raw.strip()[0] == "#" or raw[:4] == "DK1E": notes.append(raw.strip()[1:].strip()); continue
        n, lab = len(lines) + 1, re.match(r"\s*(\d+)\s*:", raw)
        if lab and int(lab.group(1)) != n: at(f, n, "labelled ", lab.group(1), " (a line is missing or repeated)")
        for c in range(lab.end() if lab else 0, len(raw)):
            if raw[c] not in V and raw[c] not in " \t": at(f, n, "character '", raw[c], "' in column ", c + 1, NA)
        sy = [V[c] for c in raw[lab.end() if lab else 0:] if c in V]
        if len(sy) < 3: at(f, n, "too short (a data line has payload and 2 check characters)")
        lines.append((n, sy[:-2], sy[-2:]))
    for n, pay, _ in lines[:-1]:
        if len(pay) != 24: at(f, n, "has ", len(pay), " characters before the check, expected 24")
    return lines, notes
def share(f):
    lines, notes = parse(f); lines or fail(f, ": no share lines found")
    h = unb32(lines[0][1][:12] + [0]) or bytes(8); i, n, k = h[1] >> 4, h[1] & 15, h[0] & 15
    verify(f, lines[0], i, 0)
    if h[0] >> 4 != 1: fail(f, ": not a drkit version 1 share")
    if not 2 <= k <= n or not 1 <= i <= n: fail(f, ": share header is invalid (share %d of %d, %d needed)" % (i, n, k))
    for line in lines[1:]: verify(f, line, i, mask(h[2:7]))
    if len(lines) != 3: fail(f, ": has ", len(lines), " data lines, a share has 3")
    pay = sum((p for _, p, _ in lines), []); b = unb32(pay)
    if b is None or len(b) != 40: fail(f, ": has ", len(pay), " characters before the checks, a share has 64")
    fp, lst = b32(sha("drkit/1 fingerprint", b)[:3])[:4], None
    for note in [t for t in notes if re.match(r"fingerprints\s*:", t, re.I)][:1]:
        lst = re.sub(r"(?i)^fingerprints\s*:", "", note).split()
        for j, e in enumerate(lst):
            re.match(r"%d=[0-9A-Za-z]{4}$" % (j + 1), e) or fail(f, ": fingerprints line is malformed at '", e, "'")
        lst = [e.split("=")[1].translate(T).upper() for e in lst]
        if len(lst) != n: fail(f, ": fingerprints line lists ", len(lst), " shares, the kit has ", n)
        if lst[i - 1] != fp: fail(f, ": share ", i, " has fingerprint ", fp, ", but its own list says ", lst[i - 1])
    return dict(f=f, i=i, n=n, k=k, kid=b[2:7], y=b[7:39], x=b[39], fp=fp, lst=lst)
def gmul(a, b): return (a if b & 1 else 0) ^ gmul(a << 1 ^ (0x11B if a & 128 else 0), b >> 1) if b else 0
argv = sys.argv[1:]
if argv[:1] != ["--envelope"] or argv[2:3] != ["--write-envelope"] or len(argv) < 5: fail("usage: see line 1")
sh = [share(f) for f in argv[4:]]; a = sh[0]; kid = lambda s: b32(s["kid"])[:4] + "-" + b32(s["kid"])[4:]
for s in sh[1:]:
    if s["kid"] != a["kid"]: fail("shares from two kits: %s (%s) and %s (%s)" % (kid(a), a["f"], kid(s), s["f"]))
    if (s["k"], s["n"]) != (a["k"], a["n"]): fail(*[t["f"] + " says %d of %d" % (t["k"], t["n"]) for t in (a, s)], sep=", ")
for t, s in [(t, s) for j, s in enumerate(sh) for t in sh[:j] if t["i"] == s["i"]][:1]: fail(t["f"], " and ", s["f"], " are both share ", s["i"])
for t, s in [(t, s) for t in sh for s in sh if t["lst"] and t["lst"][s["i"] - 1] != s["fp"]][:1]:
    fail(s["f"], ": share ", s["i"], " has fingerprint ", s["fp"], ", but ", t["f"], " lists ", t["lst"][s["i"] - 1])
if len(sh) < a["k"]: fail(len(sh), " share" + "s" * (len(sh) != 1), " given, kit ", kid(a), " needs ", a["k"])
e, nums = argv[1], ", ".join(str(s["i"]) for s in sh); key = bytearray(32)
qr = sorted(set(re.findall(r"^DK1E(\d)(\d)([0-9A-HJKMNP-TV-Z]+)\s*$", open(e).read(), re.M))); lines = [] if qr else parse(e)[0]  # zbarimg --raw
if qr and [q[:2] for q in qr] != [(str(j + 1), qr[0][1]) for j in range(int(qr[0][1]))]: fail(e, ": holds ", len(qr), " of its ", qr[0][1], " QR codes")
qr or lines or fail(e, ": no envelope lines found")
for line in lines: verify(e, line, 0, mask(a["kid"]))
pay = [V[c] for q in qr for c in q[2]] or sum((p for _, p, _ in lines), []); env = unb32(pay)
if env is None: fail(e, ": has ", len(pay), " characters before the checks, which is no whole number of bytes")
if env[0] != 1 or len(env) < 46: fail(e, ": not a drkit version 1 envelope")
if len(env) != 6 + int.from_bytes(env[4:6], "big"): fail(e, ": holds ", len(env) - 6, " bytes, its header says ", int.from_bytes(env[4:6], "big"), " (a line missing at the end?)")
if len({s["x"] for s in sh}) != len(sh): fail("shares ", nums, " repeat an evaluation point: one of them was altered")
for s in sh:  # Lagrange interpolation at x = 0 in GF(2^8), AES polynomial, as shamir-secret-sharing does
    o = [t["x"] for t in sh if t is not s]; w, d = reduce(gmul, o, 1), reduce(gmul, [x ^ s["x"] for x in o], 1)
    for _ in range(254): w = gmul(w, d)  # w * d^254 = w / d
    for b in range(32): key[b] ^= gmul(s["y"][b], w)
if sha("drkit/1 key check", bytes(key))[:3] != env[1:4]: fail("the shares combine to a wrong key: one of shares ", nums, " was altered")
open(argv[3], "wb").write(env[6:]); print(b32(bytes(key)))
