//! Behaviours where the frozen program used to differ from CPython, each
//! compared with `python3` running the same source: locale, time zones,
//! charmap codecs, strptime, a closed stdout, warnings and tracebacks from
//! imported modules, `os.chdir(sys._MEIPASS)`, a missing HOME, and the
//! RustPython fixes of vendor/ (vendor/PATCHES.md).

use pyfreeze_tests::*;
use std::process::Command;

const GAPS: &str = r#"
import io, os, sys, time, zipfile, zoneinfo, datetime, warnings, tokenize
warnings.simplefilter("always")
path = os.path.join(os.environ["WORK"], "text.txt")
with open(path, "w") as f:
    f.write("caf\u00e9 \u20ac\n")
print("open", open(path).read().strip(), open(path).encoding.lower().replace("-", ""))
print("tzpath", "/usr/share/zoneinfo" in zoneinfo.TZPATH)
print("zone", zoneinfo.ZoneInfo("Europe/Paris").utcoffset(datetime.datetime(2024, 7, 1)))
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr(zipfile.ZipInfo("caf\u00e9.txt"), b"x")
print("zip", zipfile.ZipFile(io.BytesIO(buf.getvalue())).namelist())
print("cp1251", "\u043f\u0440\u0438\u0432\u0435\u0442".encode("cp1251").hex())
print("strptime", time.strptime("2024-03-01", "%Y-%m-%d").tm_yday)
s = {1}
s |= {2: 0}.keys()
print("set", sorted(s))
try:
    "x".encode(None)
    print("encode None accepted")
except TypeError:
    print("encode None TypeError")
class A: pass
class B: pass
class C(A, B): pass
class D(B): pass
class E(C, D): pass
print("mro", [k.__name__ for k in E.__mro__])
class SetOnly:
    def __set_name__(self, owner, name): self.name = name
    def __set__(self, inst, value): inst.__dict__[self.name] = int(value)
class Held:
    a = SetOnly()
    def __init__(self, a): self.a = a
print("set-only descriptor", [repr(Held(str(i)).a) for i in range(5)])
lines = iter(["x = (1,\n", "     2)\n", "y = 3\n"])
count = 0
def readline():
    global count
    count += 1
    return next(lines, "")
print("tokenize", [(count, tokenize.tok_name[t.type]) for t in tokenize.generate_tokens(readline) if t.type in (tokenize.NEWLINE, tokenize.NL)])
import sqlite3
sqlite3.register_converter("date", lambda b: "date " + b.decode())
db = sqlite3.connect(":memory:", detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES)
db.execute("create table t (d date, n integer)")
db.execute("insert into t values ('2024-02-29', 1)")
print("sqlite types", db.execute("select 1, d, d as \"d [date]\", n + 1 from t").fetchone())
import warner
try:
    import broken
except ZeroDivisionError:
    import traceback
    shown = traceback.format_exc()
    print("traceback frames", [l.strip().split('"')[1].rsplit("/", 1)[-1] for l in shown.splitlines() if l.strip().startswith("File")])
with sys.stdout as out:
    out.write("closed stdout\n")
"#;

#[test]
fn runtime_gaps_behave_as_under_cpython() {
    let dir = scratch();
    write_tree(
        dir.path(),
        &[
            ("main.py", GAPS),
            (
                "warner.py",
                "import warnings\nwarnings.warn('at import', DeprecationWarning, stacklevel=2)\n",
            ),
            ("broken.py", "1/0\n"),
        ],
    );
    let exe = dir.path().join("app");
    freeze(&dir.path().join("main.py"), &exe, RUSTPYTHON);
    let work = scratch();
    let run_with = |cmd: &mut Command| {
        output_of(
            cmd.env("WORK", work.path())
                .env("LANG", "C.UTF-8")
                .env_remove("LC_ALL")
                .current_dir(work.path()),
        )
    };
    let expected = run_with(Command::new(python3()).arg(dir.path().join("main.py")));
    let got = run_with(&mut Command::new(&exe));
    assert_eq!(
        expected.status.code(),
        Some(0),
        "{}",
        text(&expected.stderr)
    );
    assert_eq!(
        got.status.code(),
        Some(0),
        "a closed stdout is not an error: {}",
        text(&got.stderr)
    );
    assert_eq!(
        text(&got.stdout),
        text(&expected.stdout),
        "stderr: {}",
        text(&got.stderr)
    );
    // The warning names the importing line, not the importer's machinery.
    let line = 1 + GAPS
        .lines()
        .position(|l| l == "import warner")
        .expect("import warner");
    let want = format!("main.py:{line}: DeprecationWarning: at import");
    assert_contains(&text(&got.stderr), &want);
    assert_contains(&text(&expected.stderr), &want);
}

/// RustPython's pyexpat (vendor/PATCHES.md): namespace declarations reach
/// their handlers (and SAX's startPrefixMapping), `xmlns` attributes and
/// prefixed names stay as written without namespace processing, and a
/// malformed document raises what libexpat raises.
#[test]
fn xml_namespaces_and_malformed_documents_as_under_cpython() {
    prints_what_python_prints(&[("main.py", XML)]);
}

/// `files` (`main.py` the program) run by `python3` and frozen with
/// RustPython: python succeeds and both print the same. The frozen run's
/// output, for more checks.
fn prints_what_python_prints(files: &[(&str, &str)]) -> std::process::Output {
    let dir = scratch();
    write_tree(dir.path(), files);
    let exe = dir.path().join("app");
    freeze(&dir.path().join("main.py"), &exe, RUSTPYTHON);
    let expected = output_of(Command::new(python3()).arg(dir.path().join("main.py")));
    let got = output_of(&mut Command::new(&exe));
    assert!(expected.status.success(), "{}", text(&expected.stderr));
    assert_eq!(
        text(&got.stdout),
        text(&expected.stdout),
        "stderr: {}",
        text(&got.stderr)
    );
    got
}

const XML: &str = r#"
import io, xml.sax, xml.etree.ElementTree as ET
import xml.parsers.expat as expat
doc = b'<root xmlns="urn:a" xmlns:b="urn:b"><b:x b:attr="1">hi<![CDATA[<raw>]]></b:x></root>'
for sep in (" ", None):
    events = []
    p = expat.ParserCreate(namespace_separator=sep)
    p.StartNamespaceDeclHandler = lambda prefix, uri: events.append(("ns", prefix, uri))
    p.EndNamespaceDeclHandler = lambda prefix: events.append(("endns", prefix))
    p.StartElementHandler = lambda name, attrs: events.append(("start", name, sorted(attrs.items())))
    p.EndElementHandler = lambda name: events.append(("end", name))
    p.CharacterDataHandler = lambda data: events.append(("text", data))
    p.Parse(doc, True)
    for e in events:
        print(sep is not None, e)
class H(xml.sax.handler.ContentHandler):
    def startPrefixMapping(self, prefix, uri): print("prefix", prefix, uri)
    def endPrefixMapping(self, prefix): print("end prefix", prefix)
    def startElementNS(self, name, qname, attrs): print("startNS", name)
parser = xml.sax.make_parser()
parser.setFeature(xml.sax.handler.feature_namespaces, True)
parser.setContentHandler(H())
parser.parse(io.BytesIO(b'<r xmlns:f="urn:f"><f:e/></r>'))
for bad in [b'<a><b></a>', b'<a>&undefined;</a>', b'<a x="1" x="2"/>', b'<a></a><b/>', b'<a>', b'']:
    try:
        expat.ParserCreate().Parse(bad, True)
        print("accepted", bad)
    except expat.ExpatError as e:
        print("expat", bad, e.code, expat.ErrorString(e.code), e.lineno)
    try:
        ET.fromstring(bad)
    except ET.ParseError as e:
        print("etree", e.code)
    try:
        xml.sax.parseString(bad, xml.sax.handler.ContentHandler())
    except xml.sax.SAXParseException as e:
        print("sax", e.getMessage())
"#;

/// The efficiency patches of vendor/ (issue #29) change how the interpreter
/// keeps what it does not need yet, never what a program sees: source
/// locations decoded when first read (tracebacks, `f_lineno`, generators
/// resumed), a function's `__dict__` made when first used, side tables of
/// specialised instructions made at first use, the cycle collector's
/// candidates found by index and its buffers freed before finalizing
/// (cycles, finalizers, resurrection, weakref callbacks, a large graph half
/// of which dies). A signal handler interrupting a loop that calls
/// nothing guards where the interpreter checks for signals.
#[test]
fn efficiency_patches_keep_behaviour_as_under_cpython() {
    let got = prints_what_python_prints(&[("main.py", EFFICIENCY), ("deep.py", EFFICIENCY_DEEP)]);
    assert!(got.status.success(), "{}", text(&got.stderr));
    // What the script checks is there to compare, not an empty run.
    for line in [
        "lines [",
        "function dicts {} {'tag': 't'}",
        "gc resurrected True",
        "graph alive 5000",
        "signal in loop True",
    ] {
        assert!(
            text(&got.stdout).contains(line),
            "{line}: {}",
            text(&got.stdout)
        );
    }
}

const EFFICIENCY_DEEP: &str = r#"
def outer():
    class Inner:
        def method(self):
            def innermost():
                return {}["missing"]
            return innermost()
    return Inner().method()
"#;

const EFFICIENCY: &str = r#"
import gc, signal, sys, traceback, weakref
import deep

def lines_of(exc):
    return [(f.name, f.lineno) for f in traceback.extract_tb(exc.__traceback__)]

try:
    deep.outer()
except KeyError as e:
    print("lines", lines_of(e))
try:
    exec(compile("x = 1\ny = 2\nz = x / (y - 2)\n", "<gen>", "exec"), {})
except ZeroDivisionError as e:
    print("exec lines", lines_of(e)[-1])
def gen():
    yield sys._getframe().f_lineno
    yield sys._getframe().f_lineno
g = gen()
print("generator lines", next(g) - gen.__code__.co_firstlineno, next(g) - gen.__code__.co_firstlineno)
print("f_lineno", sys._getframe().f_lineno)

class Slots:
    __slots__ = ("a",)
    def __init__(self): self.a = 1
class Prop:
    @property
    def p(self): return 2
class Plain:
    def __init__(self): self.v = 3
    def m(self): return self.v
total = 0
for i in range(3000):
    s, p, q = Slots(), Prop(), Plain()
    total += s.a + p.p + q.m() + len("x" * (i % 3))
print("specialised", total)

import functools, pickle, copy
def plain(): return 1
def tagged(): return 2
tagged.tag = "t"
@functools.wraps(tagged)
def wrapper(): return tagged()
print("function dicts", plain.__dict__, vars(tagged), sorted(wrapper.__dict__), wrapper.__wrapped__ is tagged,
      hasattr(plain, "tag"), getattr(plain, "tag", "absent"), copy.copy(plain) is plain,
      pickle.loads(pickle.dumps(tagged)) is tagged)
plain.__dict__["later"] = 3
del tagged.tag
print("function dicts after", plain.later, vars(tagged), [n for n in ("tag", "later") if hasattr(plain, n)])

gc.collect()
finalised = []
class Node:
    def __init__(self, name): self.name, self.peer = name, None
    def __del__(self): finalised.append(self.name)
a, b = Node("a"), Node("b")
a.peer, b.peer = b, a
called = []
w = weakref.ref(a, lambda ref: called.append("callback"))
del a, b
gc.collect()
print("gc finalised", sorted(finalised), "callback", called, "dead ref", w() is None)
saved = []
class Phoenix:
    def __init__(self): self.me = self
    def __del__(self): saved.append(self)
Phoenix()
gc.collect()
print("gc resurrected", len(saved) == 1 and saved[0].me is saved[0])
class G:
    __slots__ = ("links", "value", "__weakref__")
    def __init__(self, value): self.links, self.value = [], value
nodes = [G(i) for i in range(10000)]
for i, n in enumerate(nodes):
    n.links.append(nodes[(i * 7919) % len(nodes)])
    n.links.append(nodes[i - 1])
keep = [n for n in nodes if n.value % 2 == 0]
refs = [weakref.ref(n) for n in nodes]
for n in keep:
    n.links = [m for m in n.links if m.value % 2 == 0]
del nodes, n
gc.collect()
print("graph alive", sum(r() is not None for r in refs), "intact", all(m.value % 2 == 0 for n in keep for m in n.links))

if hasattr(signal, "setitimer"):
    fired = []
    signal.signal(signal.SIGALRM, lambda *_: fired.append(1))
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    n = 0
    while not fired:
        n += 1
    print("signal in loop", n > 0)
else:
    print("signal in loop", True)
"#;

#[test]
fn bundle_root_exists_and_data_files_work_without_home() {
    for runtime in RUNTIMES {
        let source = "import os, sys\nos.chdir(sys._MEIPASS)\nprint(os.getcwd() == sys._MEIPASS)\n\
                      print(open(os.path.join(os.path.dirname(__import__('pkg').__file__), 'd.txt')).read().strip())\n\
                      print(__import__('pkg').f.__code__.co_filename == os.path.join(sys._MEIPASS, 'pkg', '__init__.py'))\n";
        let f = freeze_tree(
            &[
                ("main.py", source),
                ("pkg/__init__.py", "def f(): pass\n"),
                ("pkg/d.txt", "data\n"),
            ],
            runtime,
        );
        // No HOME, no XDG variables (cron, systemd, env -i): the passwd
        // entry's home, else a private temporary directory.
        let out = output_of(Command::new(&f.exe).env_clear());
        assert!(out.status.success(), "{}", text(&out.stderr));
        // co_filename is under the bundle's root, as __file__ is.
        assert_eq!(text(&out.stdout), "True\ndata\nTrue\n");
        // With no usable directory, the program says why and what to set, once,
        // before the FileNotFoundError.
        let not_a_dir = f.dir.path().join("main.py");
        let out = output_of(
            Command::new(&f.exe)
                .env_clear()
                .env("PYFREEZE_DATA_DIR", &not_a_dir),
        );
        let err = text(&out.stderr);
        assert_eq!(err.matches("PYFREEZE_DATA_DIR").count(), 1, "{err}");
        assert_contains(&err, "cannot be kept on disk");
        assert_contains(&err, "FileNotFoundError");
        assert_eq!(out.status.code(), Some(1));
    }
}
