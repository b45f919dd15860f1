"""Java functions (java17, java21, java25) through lambda_nb's own Java runtime client: real JDKs,
real JVMs, real execution environments (java-runtime.md is the spec; exact bodies and lines).

Skipped as a whole where no JDK 17 or newer is found (tasks.py installs Debian's
openjdk-17-jdk-headless as root); java21/java25 cases run where a JDK of that version or newer is.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lambda_nb import Function
from lambda_nb.engine import java_build, runtime_java
from lambda_nb.engine.errors import RuntimeNotFound

JDKS = runtime_java.jdks()
pytestmark = pytest.mark.skipif(
    not any(m >= 17 for m in JDKS),
    reason="no JDK 17 or newer (apt-get install openjdk-17-jdk-headless, or set JAVA_HOME)",
)
RUNTIMES = [
    pytest.param(
        r,
        marks=pytest.mark.skipif(
            not any(m >= runtime_java.major_of(r) for m in JDKS),
            reason=f"{r} needs a JDK {runtime_java.major_of(r)} or newer",
        ),
    )
    for r in ("java17", "java21", "java25")
]
RID = re.compile(r"[0-9a-f-]{36}")


@pytest.fixture
def java(make_function):
    """make_function for Java: java17 and a generous timeout (a loaded machine starts a JVM
    slowly; a re-init after a crash runs inside the invoke's timeout)."""

    def make(code: str, runtime: str = "java17", **options: object) -> Function:
        options.setdefault("timeout", 30)
        return make_function(code, runtime=runtime, **options)

    return make


def app(body: str, imports: str = "", package: str = "example") -> str:
    """A source file: the package, the API's imports, then `body`."""
    return (
        f"package {package};\n\n"
        "import com.amazonaws.services.lambda.runtime.Context;\n"
        "import com.amazonaws.services.lambda.runtime.RequestHandler;\n"
        "import java.util.*;\n" + imports + "\n" + body
    )


def line_of(code: str, text: str) -> int:
    """The 1-based line of `code` holding `text`."""
    return next(i for i, line in enumerate(code.splitlines(), 1) if text in line)


def runtime_lines(inv) -> list[str]:
    return [r.message for r in inv.logs if r.source == "runtime"]


def stdout_lines(inv) -> list[str]:
    return [r.message for r in inv.logs if r.source == "stdout"]


# ------------------------------------------------------------------------- handlers and I/O
ORDER = app(
    """public class Orders implements RequestHandler<Orders.Order, Orders.Receipt> {
    public static class Item {
        public String sku;
        public int quantity;
        private double price;
        public double getPrice() { return price; }
        public void setPrice(double price) { this.price = price; }
    }
    public static class Customer {
        private String name;
        private Map<String, String> tags;
        public String getName() { return name; }
        public void setName(String name) { this.name = name; }
        public Map<String, String> getTags() { return tags; }
        public void setTags(Map<String, String> tags) { this.tags = tags; }
    }
    public static class Order {
        public String id;
        public Customer customer;
        public List<Item> items;
    }
    public static class Receipt {
        public String orderId;
        public String customer;
        public int units;
        public double total;
        public List<String> skus = new ArrayList<>();
        public String note;  // null: left out of the response
    }
    @Override
    public Receipt handleRequest(Order order, Context context) {
        Receipt r = new Receipt();
        r.orderId = order.id;
        r.customer = order.customer.getName() + "/" + order.customer.getTags().get("tier");
        for (Item item : order.items) {
            r.units += item.quantity;
            r.total += item.quantity * item.getPrice();
            r.skus.add(item.sku);
        }
        return r;
    }
}
"""
)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_nested_pojos_in_and_out(java, runtime: str) -> None:
    fn = java(ORDER, runtime=runtime, handler="example.Orders")
    inv = fn.invoke(
        {
            "id": "o-1",
            "customer": {"name": "Ada", "tags": {"tier": "gold"}, "Name": "case-sensitive"},
            "items": [
                {"sku": "a", "quantity": 2, "price": 1.5},
                {"sku": "b", "quantity": 1, "price": 4, "unknown": True},
            ],
        }
    )
    assert inv.status == "success", inv.log_text()
    assert inv.raw_payload == (
        b'{"orderId":"o-1","customer":"Ada/gold","units":3,"total":7.0,"skus":["a","b"]}'
    )
    assert fn.runtime == runtime
    assert fn.config.handler == "example.Orders"


@pytest.mark.parametrize(
    ("signature", "body", "event", "payload"),
    [
        ("public static String handle(String s)", "return s.toUpperCase();", "abc", b'"ABC"'),
        ("public static int handle(int n, Context c)", "return n * 2;", 21, b"42"),
        ("public static int handle(int n)", "return n;", 3.7, b"3"),
        (
            "public static List<Integer> handle(List<Integer> xs)",
            "List<Integer> out = new ArrayList<>(xs); Collections.reverse(out); return out;",
            [1, 2, 3],
            b"[3,2,1]",
        ),
        ("public static List<Integer> handle(List<Integer> xs)", "return xs;", 7, b"[7]"),
        (
            "public static Map<String, Object> handle(Map<String, Object> m)",
            'm.put("seen", true); return m;',
            {"a": 1, "b": [1, "x"], "c": None},
            b'{"a":1,"b":[1,"x"],"c":null,"seen":true}',
        ),
        ("public static void handle(Map<String, Object> m)", "", {}, b"null"),
        ("public static boolean handle()", "return true;", {"ignored": 1}, b"true"),
        ("public static String handle(Context c)", "return null;", {}, b"null"),
    ],
)
def test_method_handler_types(java, signature: str, body: str, event, payload: bytes) -> None:
    fn = java(
        app(f"public class Handler {{\n    {signature} {{ {body} }}\n}}\n"),
        handler="example.Handler::handle",
    )
    inv = fn.invoke(event)
    assert inv.status == "success", inv.log_text()
    assert inv.raw_payload == payload


PARSE_ERROR = {
    "errorMessage": "An error occurred during JSON parsing",
    "errorType": "java.lang.RuntimeException",
    "stackTrace": [],
}


@pytest.mark.parametrize(
    ("param", "event", "cause"),
    [
        (
            "String",
            {"an": "object"},
            "Cannot deserialize value of type `java.lang.String` from Object value "
            "(token `JsonToken.START_OBJECT`)",
        ),
        (
            "Map<String, String>",
            {"nested": {"a": 1}},
            "Cannot deserialize value of type `java.lang.String` from Object value "
            "(token `JsonToken.START_OBJECT`)",
        ),
        (
            "Integer",
            "abc",
            'Cannot deserialize value of type `java.lang.Integer` from String "abc"',
        ),
    ],
)
def test_input_that_does_not_fit_the_type(java, param: str, event, cause: str) -> None:
    """java-runtime.md 4.5: the body has no frames (they are all the runtime's); the log has
    the cause."""
    code = app(
        f"public class Handler implements RequestHandler<{param}, String> {{\n"
        f'    public String handleRequest({param} in, Context c) {{ return "ok"; }}\n}}\n'
    )
    fn = java(code, handler="example.Handler")
    inv = fn.invoke(event)
    assert inv.status == "error"
    assert inv.error == PARSE_ERROR
    assert list(inv.error) == ["errorMessage", "errorType", "stackTrace"]
    (record,) = runtime_lines(inv)
    lines = record.split("\n")
    assert lines[:2] == [
        "An error occurred during JSON parsing: java.lang.RuntimeException",
        "java.lang.RuntimeException: An error occurred during JSON parsing",
    ]
    assert lines[2].startswith("Caused by: java.io.UncheckedIOException: ")
    assert cause in record


def test_stream_handler(java) -> None:
    code = app(
        """public class Upper implements RequestStreamHandler {
    @Override
    public void handleRequest(InputStream in, OutputStream out, Context context)
            throws IOException {
        byte[] all = in.readAllBytes();
        out.write(new String(all, StandardCharsets.UTF_8).toUpperCase()
            .getBytes(StandardCharsets.UTF_8));
    }
}
""",
        "import com.amazonaws.services.lambda.runtime.RequestStreamHandler;\n"
        "import java.io.*;\nimport java.nio.charset.StandardCharsets;\n",
    )
    fn = java(code)  # the default handler: the public class's handleRequest
    assert fn.config.handler == "example.Upper::handleRequest"
    inv = fn.invoke({"say": "hi"})
    assert inv.status == "success", inv.log_text()
    assert inv.raw_payload == b'{"SAY": "HI"}'  # the bytes written, unvalidated
    by_class = java(code, handler="example.Upper").invoke("x")
    assert by_class.raw_payload == b'"X"'


# ----------------------------------------------------------------------------------- errors
THROWS = app(
    """public class Handler implements RequestHandler<Map<String, Object>, String> {
    @Override
    public String handleRequest(Map<String, Object> event, Context context) {
        try {
            Integer.parseInt("x");
        } catch (NumberFormatException e) {
            throw new IllegalStateException("Error: some_error_msg", e);
        }
        return "unreachable";
    }
}
"""
)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_exception_body_and_log_record(java, runtime: str, assert_report_line) -> None:
    """java-runtime.md 5.1: errorType is the class name, the stack trace the top-level
    throwable's frames (the user's, then the bridge method's line at the class declaration),
    no cause in the body; the log record has `Caused by:`."""
    fn = java(THROWS, runtime=runtime, handler="example.Handler")
    inv = fn.invoke({})
    assert inv.status == "error"
    thrown, declared = line_of(THROWS, "throw new"), line_of(THROWS, "public class")
    parse = line_of(THROWS, "parseInt")
    assert inv.error == {
        "errorMessage": "Error: some_error_msg",
        "errorType": "java.lang.IllegalStateException",
        "stackTrace": [
            f"example.Handler.handleRequest(Handler.java:{thrown})",
            f"example.Handler.handleRequest(Handler.java:{declared})",
        ],
    }
    assert list(inv.error) == ["errorMessage", "errorType", "stackTrace"]
    assert_report_line(inv, None, None)  # a handled error: the environment stays
    (record,) = runtime_lines(inv)
    assert record.startswith(
        "Error: some_error_msg: java.lang.IllegalStateException\n"
        "java.lang.IllegalStateException: Error: some_error_msg\n"
        f"\tat example.Handler.handleRequest(Handler.java:{thrown})\n"
        f"\tat example.Handler.handleRequest(Handler.java:{declared})\n"
        'Caused by: java.lang.NumberFormatException: For input string: "x"\n'
        "\tat java.base/java.lang.NumberFormatException.forInputString(Unknown Source)\n"
    )
    assert f"\tat example.Handler.handleRequest(Handler.java:{parse})\n" in record
    assert record.endswith("\n\n")
    again = fn.invoke({})
    assert not again.cold


def test_method_handler_frames_through_reflection(java) -> None:
    fn = java(THROWS, handler="example.Handler::handleRequest")
    trace = fn.invoke({}).error["stackTrace"]
    assert trace[0] == f"example.Handler.handleRequest(Handler.java:{line_of(THROWS, 'throw new')})"
    assert trace[-1] == "java.base/java.lang.reflect.Method.invoke(Unknown Source)"


def test_views_map_java_frames_to_cell_lines(java) -> None:
    from lambda_nb.render import viewmodel

    fn = java(THROWS, handler="example.Handler::handleRequest")
    inv = fn.invoke({})
    view = viewmodel.error_view(inv, "Handler.java", THROWS)
    assert view is not None
    assert view.innermost_first and view.heading == "Stack trace (most recent call first)"
    thrown = line_of(THROWS, "throw new")
    assert view.cell_line == thrown
    assert (
        view.cell_text == '            throw new IllegalStateException("Error: some_error_msg", e);'
    )
    assert [f.text for f in view.frames] == [
        f"example.Handler.handleRequest(Handler.java:{thrown})"
    ]
    assert view.hidden_frames >= 2  # the JDK's reflection frames
    assert view.summary == (
        f"java.lang.IllegalStateException: Error: some_error_msg (cell line {thrown})"
    )


INIT_FAULTS = {
    "class_not_found": (
        "example.Nope::handleRequest",
        {
            "errorMessage": "Class not found: example.Nope",
            "errorType": "java.lang.ClassNotFoundException",
        },
        "Class not found: example.Nope: java.lang.ClassNotFoundException\n"
        "java.lang.ClassNotFoundException: example.Nope\n",
        False,
    ),
    "no_public_constructor": (
        "example.Handler::handleRequest",
        {
            "errorMessage": "Class example.Handler has no public zero-argument constructor",
            "errorType": "java.lang.Exception",
        },
        "Class example.Handler has no public zero-argument constructor: java.lang.Exception\n",
        False,
    ),
    "no_such_method": (
        "example.Handler::nothing",
        {
            "errorMessage": "No public method named nothing with appropriate method signature "
            "found on class example.Handler"
        },
        "No public method named nothing with appropriate method signature found on class "
        "example.Handler\n",
        False,
    ),
    "invalid_handler": (
        "example.Handler::",
        {"errorMessage": "Invalid handler: `example.Handler::'"},
        "Invalid handler: `example.Handler::'\n",
        False,
    ),
    "wrong_interface": (
        "example.Handler",
        {
            "errorMessage": "Class does not implement an appropriate handler interface: "
            "example.Handler"
        },
        "Class does not implement an appropriate handler interface: example.Handler\n",
        False,
    ),
}
PRIVATE_CTOR = app(
    "public class Handler {\n    private Handler() {}\n"
    '    public String handleRequest(Map<String, Object> e, Context c) { return "x"; }\n}\n'
)


@pytest.mark.parametrize("case", list(INIT_FAULTS), ids=list(INIT_FAULTS))
def test_deferred_handler_faults(java, case: str, assert_report_line) -> None:
    """java-runtime.md 5.2: INIT succeeds; every invoke fails with the fault (no stackTrace
    key; no errorType for a message-only fault) and the environment stays up."""
    handler, body, logged, _ = INIT_FAULTS[case]
    fn = java(PRIVATE_CTOR, handler=handler)
    inv = fn.invoke({})
    assert inv.status == "error", inv.log_text()
    assert inv.error == body
    record = runtime_lines(inv)[-1]
    assert record.startswith(logged), record
    assert_report_line(inv, None, None)
    again = fn.invoke({})
    assert not again.cold and again.error == body


STATIC_THROWS = app(
    """public class Handler implements RequestHandler<Object, String> {
    static final int VALUE = Integer.parseInt("not a number");
    public String handleRequest(Object e, Context c) { return "x"; }
}
"""
)
CTOR_THROWS = app(
    """public class Handler implements RequestHandler<Object, String> {
    public Handler() { throw new IllegalArgumentException("no config"); }
    public String handleRequest(Object e, Context c) { return "x"; }
}
"""
)


@pytest.mark.parametrize(
    ("code", "body"),
    [
        (
            STATIC_THROWS,
            {
                "errorMessage": "Error loading class example.Handler",
                "errorType": "java.lang.ExceptionInInitializerError",
            },
        ),
        (
            CTOR_THROWS,
            {"errorMessage": "no config", "errorType": "java.lang.IllegalArgumentException"},
        ),
    ],
    ids=["static_initializer", "constructor"],
)
def test_fatal_init_faults(java, code: str, body: dict, assert_report_line) -> None:
    """Posted to /init/error (Runtime.BadFunctionCode), the JVM exits 1; the platform retries
    the init inside the invoke and the caller gets the posted body."""
    fn = java(code, handler="example.Handler")
    inv = fn.invoke({})
    assert inv.status == "error"
    assert inv.error == body
    platform = [r.message.split(" ")[0].split("\t")[0] for r in inv.logs if r.source == "platform"]
    assert platform[:3] == ["INIT_START", "INIT_REPORT", "INIT_REPORT"]
    assert_report_line(inv, "error", "Runtime.BadFunctionCode")
    if code is STATIC_THROWS:
        record = runtime_lines(inv)[0]
        assert record.startswith(
            "Error loading class example.Handler: java.lang.ExceptionInInitializerError\n"
        )
        assert 'Caused by: java.lang.NumberFormatException: For input string: "not a number"' in (
            record
        )


def test_not_public_class(java) -> None:
    """A notebook cell often omits `public`: the default handler still names its class. Its
    implicit constructor is then not public either (a deferred fault), and a static method
    fails at invoke with the JVM's IllegalAccessException (java-runtime.md 2.6, 5.2)."""
    code = app(
        "class Quiet {\n"
        '    public String handleRequest(Object e) { return "x"; }\n'
        '    public static String handleStatic(Object e) { return "x"; }\n}\n'
    )
    fn = java(code)
    assert fn.config.handler == "example.Quiet::handleRequest"
    inv = fn.invoke({})
    assert inv.error == {
        "errorMessage": "Class example.Quiet has no public zero-argument constructor",
        "errorType": "java.lang.Exception",
    }
    static = java(code, handler="example.Quiet::handleStatic").invoke({})
    assert static.error["errorType"] == "java.lang.IllegalAccessException"
    assert static.error["errorMessage"].endswith(
        'cannot access a member of class example.Quiet with modifiers "public static"'
    )


# ------------------------------------------------------------------------- INIT and context
LIFECYCLE = app(
    """public class Handler implements RequestHandler<Object, Integer> {
    static { System.out.println("static initializer"); }
    private int calls;
    public Handler() { System.out.println("constructor"); }
    public Integer handleRequest(Object event, Context context) { return ++calls; }
}
"""
)


def test_static_init_and_constructor_run_in_init(java) -> None:
    fn = java(LIFECYCLE, handler="example.Handler")
    first = fn.invoke({})
    assert first.cold and first.raw_payload == b"1"
    messages = [r.message for r in first.logs]
    start = next(i for i, m in enumerate(messages) if m.startswith("START"))
    assert messages.index("static initializer\n") < start
    assert messages.index("constructor\n") < start
    second = fn.invoke({})
    assert not second.cold and second.raw_payload == b"2"  # one instance per environment
    assert "constructor\n" not in [r.message for r in second.logs]


CONTEXT = app(
    """public class Handler implements RequestHandler<Object, Map<String, Object>> {
    public Map<String, Object> handleRequest(Object event, Context c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("awsRequestId", c.getAwsRequestId());
        out.put("logGroupName", c.getLogGroupName());
        out.put("logStreamName", c.getLogStreamName());
        out.put("functionName", c.getFunctionName());
        out.put("functionVersion", c.getFunctionVersion());
        out.put("invokedFunctionArn", c.getInvokedFunctionArn());
        out.put("identityIsNull", c.getIdentity() == null);
        out.put("clientContextIsNull", c.getClientContext() == null);
        int memory = c.getMemoryLimitInMB();  // an int, as the interface says
        out.put("memory", memory);
        int first = c.getRemainingTimeInMillis();
        try { Thread.sleep(50); } catch (InterruptedException e) { }
        out.put("countsDown", c.getRemainingTimeInMillis() < first);
        out.put("remainingBelowTimeout", first <= 7000 && first > 0);
        out.put("loggerIsRuntime", c.getLogger() == LambdaRuntime.getLogger());
        out.put("xrayTraceId", c.getXrayTraceId() != null);
        out.put("executionEnv", System.getenv("AWS_EXECUTION_ENV"));
        out.put("tz", System.getenv("TZ"));
        return out;
    }
}
""",
    "import com.amazonaws.services.lambda.runtime.LambdaRuntime;\n",
)


def test_context_methods(java) -> None:
    fn = java(CONTEXT, handler="example.Handler", memory=512, timeout=7)
    inv = fn.invoke({})
    assert inv.status == "success", inv.log_text()
    got = json.loads(inv.raw_payload)
    assert got == {
        "awsRequestId": inv.request_id,
        "logGroupName": f"/aws/lambda/{fn.name}",
        "logStreamName": got["logStreamName"],
        "functionName": fn.name,
        "functionVersion": "$LATEST",
        "invokedFunctionArn": f"arn:aws:lambda:us-east-1:123456789012:function:{fn.name}",
        "identityIsNull": True,
        "clientContextIsNull": True,
        "memory": 512,
        "countsDown": True,
        "remainingBelowTimeout": True,
        "loggerIsRuntime": True,
        "xrayTraceId": True,
        "executionEnv": "AWS_Lambda_java17",
        "tz": ":UTC",
    }
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", got["logStreamName"])


# ---------------------------------------------------------------------------------- logging
LOGS = app(
    """public class Handler implements RequestHandler<Object, String> {
    public String handleRequest(Object event, Context context) {
        LambdaLogger logger = context.getLogger();
        logger.log("plain");
        logger.log("two\\nlines", LogLevel.WARN);
        logger.log("debug detail", LogLevel.DEBUG);
        logger.log("an error", LogLevel.ERROR);
        System.out.println("from System.out");
        System.err.println("from System.err");
        return "done";
    }
}
""",
    "import com.amazonaws.services.lambda.runtime.LambdaLogger;\n"
    "import com.amazonaws.services.lambda.runtime.logging.LogLevel;\n",
)


def test_text_logs(java) -> None:
    inv = java(LOGS, handler="example.Handler").invoke({})
    assert inv.status == "success", inv.log_text()
    runtime = [(r.message, r.level) for r in inv.logs if r.source == "runtime"]
    # one record per logger call, newlines kept, none added; [LEVEL] for a leveled call;
    # no filtering in the Text format
    assert runtime == [
        ("plain", None),
        ("[WARN] two\nlines", "WARN"),
        ("[DEBUG] debug detail", "DEBUG"),
        ("[ERROR] an error", "ERROR"),
    ]
    assert stdout_lines(inv) == ["from System.out\n"]
    assert [r.message for r in inv.logs if r.source == "stderr"] == ["from System.err\n"]


def test_json_logs_and_levels(java) -> None:
    fn = java(LOGS, handler="example.Handler", log_format="JSON", log_level="WARN")
    inv = fn.invoke({})
    assert inv.status == "success", inv.log_text()
    records = [r for r in inv.logs if r.source == "runtime"]
    parsed = [json.loads(r.message) for r in records]
    assert all(r.message.endswith("}\n") for r in records)
    # a plain log(msg) is UNDEFINED and never filtered; DEBUG is below WARN
    assert [(p["message"], p["level"]) for p in parsed] == [
        ("plain", "UNDEFINED"),
        ("two\nlines", "WARN"),
        ("an error", "ERROR"),
    ]
    for p in parsed:
        assert list(p) == ["timestamp", "message", "level", "AWSRequestId"]
        assert p["AWSRequestId"] == inv.request_id
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", p["timestamp"])
    assert stdout_lines(inv) == ["from System.out\n"]  # System.out is never wrapped


def test_json_error_record_is_level_error(java) -> None:
    inv = java(THROWS, handler="example.Handler", log_format="JSON").invoke({})
    (record,) = [json.loads(r.message) for r in inv.logs if r.source == "runtime"]
    assert record["level"] == "ERROR"
    assert record["message"].startswith("Error: some_error_msg: java.lang.IllegalStateException\n")


# ------------------------------------------------------------------- exits, limits, service
def test_system_exit(java, assert_report_line) -> None:
    code = app(
        "public class Handler {\n"
        "    public static String handleRequest(Object e) { System.exit(3); return null; }\n}\n"
    )
    fn = java(code)
    inv = fn.invoke({})
    assert inv.status == "crash"
    assert inv.error == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {inv.request_id} Error: Runtime exited with error: "
        "exit status 3",
    }
    assert_report_line(inv, "error", "Runtime.ExitError")
    assert fn.invoke({}).cold


HEAP_HOG = app(
    """public class Handler {
    public static int handleRequest(Object e) {
        List<long[]> hog = new ArrayList<>();
        while (true) hog.add(new long[1 << 20]);
    }
}
"""
)


def test_out_of_memory_error_ends_the_environment(java) -> None:
    """The heap is capped below the memory size (-XX:MaxHeapSize, java-runtime.md 1), so a heap
    hog gets Java's OutOfMemoryError, reported as any exception; then the JVM exits and the
    next invoke starts a new INIT (java-runtime.md 5.1)."""
    fn = java(HEAP_HOG, memory=512)
    inv = fn.invoke({})
    assert inv.status == "error", inv.log_text()
    assert inv.error["errorType"] == "java.lang.OutOfMemoryError"
    assert inv.error["errorMessage"] == "Java heap space"
    line = line_of(HEAP_HOG, "hog.add")
    assert inv.error["stackTrace"][0] == f"example.Handler.handleRequest(Handler.java:{line})"
    assert fn.invoke({}).cold


def test_memory_over_the_limit(java, assert_report_line) -> None:
    """Off-heap memory past the function's memory size: the platform's kill, as for every
    runtime (Runtime.OutOfMemory)."""
    code = app(
        """public class Handler {
    public static int handleRequest(Object e) {
        List<ByteBuffer> hog = new ArrayList<>();
        while (true) {
            ByteBuffer b = ByteBuffer.allocateDirect(8 << 20);
            for (int i = 0; i < b.capacity(); i += 4096) b.put(i, (byte) 1);
            hog.add(b);
        }
    }
}
""",
        "import java.nio.ByteBuffer;\n",
    )
    # Direct buffers are capped at the heap's size unless JAVA_TOOL_OPTIONS (honoured, as on
    # Lambda) lifts the cap.
    options = "-XX:MaxDirectMemorySize=1g"
    fn = java(code, memory=256, environment={"JAVA_TOOL_OPTIONS": options})
    inv = fn.invoke({})
    assert inv.status == "out_of_memory", inv.log_text()
    assert f"Picked up JAVA_TOOL_OPTIONS: {options}\n" in [r.message for r in inv.logs]
    assert inv.error["errorType"] == "Runtime.OutOfMemory"
    assert_report_line(inv, "error", "Runtime.OutOfMemory")
    assert fn.invoke({}).cold


def test_timeout_in_a_tight_loop(java, assert_report_line) -> None:
    code = app(
        "public class Handler {\n"
        "    public static long handleRequest(Object e) { long n = 0; while (true) n++; }\n}\n"
    )
    fn = java(code, timeout=2)
    inv = fn.invoke({})
    assert inv.status == "timeout"
    assert inv.error["errorMessage"] == (
        f"RequestId: {inv.request_id} Error: Task timed out after 2.00 seconds"
    )
    assert_report_line(inv, "timeout", None)
    again = fn.invoke({})
    assert again.cold


def test_freeze_keeps_state_and_reset_clears_it(java) -> None:
    fn = java(LIFECYCLE, handler="example.Handler")
    assert [fn.invoke({}).raw_payload for _ in range(3)] == [b"1", b"2", b"3"]
    fn.reset()
    assert fn.invoke({}).raw_payload == b"1"


# ------------------------------------------------------------------------------ compilation
def test_compile_error_publishes_nothing(java) -> None:
    fn = java(LIFECYCLE, handler="example.Handler")
    broken = LIFECYCLE.replace("return ++calls;", 'return "text"')
    with pytest.raises(java_build.CompileError) as caught:
        java(broken, handler="example.Handler", name=fn.name)
    (error,) = caught.value.errors
    line = line_of(broken, 'return "text"')
    text = broken.splitlines()[line - 1]
    assert (error.file, error.line, error.message) == ("Handler.java", line, "';' expected")
    assert error.column == text.index('"text"') + len('"text"') + 1
    assert str(caught.value).splitlines()[1:4] == [
        f"Handler.java, line {line}, column {error.column}: ';' expected",
        f"    {text}",
        "    " + " " * (error.column - 1) + "^",
    ]
    assert fn.revision == 1  # the previous revision stays live
    assert fn.invoke({}).raw_payload == b"1"


def test_compile_error_lists_every_error_with_detail(java) -> None:
    code = app("public class Handler {\n    public static int handle() { return missing; }\n}\n")
    with pytest.raises(java_build.CompileError) as caught:
        java(code, handler="example.Handler::handle")
    text = caught.value.describe("cell line")
    assert f"Handler.java, cell line {line_of(code, 'missing')}, column " in text
    assert "cannot find symbol\n  symbol:   variable missing" in text


def test_an_unchanged_cell_is_not_compiled_again(java) -> None:
    first = java(LIFECYCLE, handler="example.Handler")
    task = Path(first._revision.task_root) / "example" / "Handler.class"
    second = java(LIFECYCLE, handler="example.Handler")
    again = Path(second._revision.task_root) / "example" / "Handler.class"
    assert task.stat().st_ino == again.stat().st_ino  # both linked from one cache entry


def test_a_missing_jdk_names_the_one_to_install(monkeypatch) -> None:
    monkeypatch.setattr(runtime_java, "jdks", lambda: {17: (Path("/usr/lib/jvm/x"), "17.0.1")})
    with pytest.raises(RuntimeNotFound) as caught:
        runtime_java._jdk_for("java21")
    assert "java21 needs a JDK 21" in str(caught.value)
    assert "apt-get install openjdk-21-jdk-headless" in str(caught.value)
    assert "JAVA_HOME" in str(caught.value)


def test_java8_and_java11_are_refused_clearly(make_function) -> None:
    with pytest.raises(RuntimeNotFound, match="lambda_nb's Java runtime client needs Java 17"):
        make_function(LIFECYCLE, runtime="java11", handler="example.Handler")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_each_runtime_runs_its_java(java, runtime: str) -> None:
    code = app(
        "public class Handler {\n"
        "    public static String handleRequest(Object e) {\n"
        '        return System.getProperty("java.specification.version") + " "\n'
        '            + System.getenv("AWS_EXECUTION_ENV");\n    }\n}\n'
    )
    fn = java(code, runtime=runtime)
    inv = fn.invoke({})
    assert inv.status == "success", inv.log_text()
    release = runtime_java.major_of(runtime)
    jvm = release if release in JDKS else min(m for m in JDKS if m > release)
    assert inv.raw_payload == f'"{jvm} AWS_Lambda_{runtime}"'.encode()
    init = next(r.message for r in inv.logs if r.message.startswith("INIT_START"))
    assert init.startswith(f"INIT_START Runtime Version: java:{release}.v")


def test_release_holds_code_to_the_runtime_api(java) -> None:
    """java21 on a newer JDK compiles with --release 21: Java 25's API is refused."""
    if 21 in JDKS or not any(m > 21 for m in JDKS):
        pytest.skip("needs a JDK newer than 21 and no JDK 21")
    code = app(  # IO.println is Java 25's
        "public class Handler {\n"
        "    public static void handleRequest(Object e) { IO.println(1); }\n}\n"
    )
    with pytest.raises(java_build.CompileError, match="cannot find symbol"):
        java(code, runtime="java21")


# ------------------------------------------------------------------------- notebook and CLI
def test_magic_cell_and_compile_error(ip) -> None:
    from IPython.core.error import UsageError
    from IPython.utils.capture import capture_output

    from lambda_nb.render import static

    name = "java-magic"
    with capture_output():
        ip.run_cell_magic("lambda", f"{name} --runtime java17 --event '{{}}' -o _inv", LIFECYCLE)
    inv = ip.user_ns.pop("_inv")
    assert inv.raw_payload == b"1"
    with capture_output():
        ip.run_cell_magic(
            "lambda", f"{name}-error --runtime java17 --handler example.Handler --event '{{}}' "
            "-o _inv", THROWS,
        )  # fmt: skip
    failed = ip.user_ns.pop("_inv")
    cell_line = line_of(THROWS, "throw new") + 1  # the %%lambda line is the cell's line 1
    text = static.to_text(failed)
    assert f"java.lang.IllegalStateException: Error: some_error_msg (cell line {cell_line})" in text
    assert f"example.Handler.handleRequest(Handler.java:{cell_line})   ← cell line {cell_line}" in (
        text
    )
    broken = LIFECYCLE.replace("++calls;", "++calls")
    with pytest.raises(UsageError) as caught:
        ip.run_cell_magic("lambda", f"{name} --runtime java17", broken)
    # the magic's header comment keeps the file's line N the cell's line N (+1: the magic line)
    line = line_of(broken, "++calls") + 1
    column = broken.splitlines()[line - 2].index("++calls") + len("++calls") + 1
    assert f"Handler.java, cell line {line}, column {column}: ';' expected" in str(caught.value)
    from lambda_nb.engine.service import default_service

    default_service().functions[name].close()
    default_service().functions[f"{name}-error"].close()


def test_cli_invokes_a_java_file(tmp_path) -> None:
    source = tmp_path / "Handler.java"
    source.write_text(LIFECYCLE)
    done = subprocess.run(
        [sys.executable, "-m", "lambda_nb", "invoke", str(source), "--runtime", "java17"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "1" in done.stdout


def test_concurrent_invokes_get_their_own_environments(java) -> None:
    code = app(
        "public class Handler {\n"
        "    public static String handleRequest(Object e, Context c) throws Exception {\n"
        "        Thread.sleep(1500);\n"
        "        return c.getLogStreamName();\n    }\n}\n"
    )
    fn = java(code)
    results = list(fn.invoke_many([{}] * 3, concurrency=3))
    assert all(r.status == "success" for r in results), results
    assert len({r.payload for r in results}) == 3  # three JVMs, three log streams


def test_a_code_folder_of_java_sources(service, tmp_path) -> None:
    """from_directory: the package's sources are compiled together, in their folders."""
    (tmp_path / "example").mkdir()
    (tmp_path / "example" / "Greeter.java").write_text(
        "package example;\npublic class Greeter {\n"
        '    static String greet(String name) { return "Hello, " + name; }\n}\n'
    )
    (tmp_path / "example" / "Handler.java").write_text(
        "package example;\npublic class Handler {\n"
        "    public static String handleRequest(String name) { return Greeter.greet(name); }\n}\n"
    )
    fn = Function.from_directory(
        tmp_path,
        runtime="java17",
        handler="example.Handler::handleRequest",
        service=service,
        name="java-folder",
        timeout=30,
    )
    try:
        assert fn.invoke("Ada").raw_payload == b'"Hello, Ada"'
    finally:
        fn.close()


def test_aws_core_jar_from_the_maven_cache_is_preferred(java, monkeypatch, tmp_path) -> None:
    """A jar at ~/.m2/.../aws-lambda-java-core/<v>/ is put first on the class path and
    handlers compile against it; the build log says so. (The jar here is made from lambda_nb's
    own API classes: what is checked is where the interfaces come from.)"""
    import zipfile

    home, version, release = runtime_java._jdk_for("java17")
    api = runtime_java.client_dir(home, version, release) / "api"
    folder = tmp_path / ".m2/repository/com/amazonaws/aws-lambda-java-core/1.2.3"
    folder.mkdir(parents=True)
    jar = folder / "aws-lambda-java-core-1.2.3.jar"
    with zipfile.ZipFile(jar, "w") as out:
        for path in sorted(api.rglob("*.class")):
            out.write(path, str(path.relative_to(api)))
    from lambda_nb.engine import cache

    monkeypatch.setenv("LAMBDA_NB_CACHE_DIR", str(cache.cache_root()))  # the same cache
    monkeypatch.setenv("HOME", str(tmp_path))
    runtime_java.client_dir.cache_clear()
    try:
        lines: list[str] = []
        code = app(
            "public class Handler {\n"
            "    public static String handleRequest(Object e) {\n"
            "        return Context.class.getProtectionDomain().getCodeSource().getLocation()"
            ".getPath();\n    }\n}\n"
        )
        fn = java(code, on_build=lines.append)
        assert any("aws-lambda-java-core from the Maven cache" in line for line in lines), lines
        inv = fn.invoke({})
        assert inv.status == "success", inv.log_text()
        assert inv.payload.endswith("/aws-lambda-java-core.jar")
    finally:
        runtime_java.client_dir.cache_clear()


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        (
            "public class Handler<T> implements RequestHandler<T, String>",
            "Class example.Handler does not implement RequestHandler with concrete type "
            "parameters: parameter T has no upper bound.",
        ),
        (
            '@SuppressWarnings("rawtypes") public class Handler implements RequestHandler',
            "Class example.Handler does not implement RequestHandler with concrete type parameters",
        ),
    ],
    ids=["type_variable", "raw"],
)
def test_request_handler_needs_concrete_types(java, declaration: str, message: str) -> None:
    code = app(
        f"{declaration} {{\n"
        '    public String handleRequest(Object e, Context c) { return "x"; }\n}\n'
    )
    inv = java(code, handler="example.Handler").invoke({})
    assert inv.error == {"errorMessage": message}


def test_client_context_and_identity(java) -> None:
    code = app(
        "public class Handler {\n"
        "    public static Map<String, Object> handleRequest(Object e, Context c) {\n"
        "        Map<String, Object> out = new LinkedHashMap<>();\n"
        '        out.put("app", c.getClientContext().getClient().getAppTitle());\n'
        '        out.put("custom", c.getClientContext().getCustom());\n'
        '        out.put("env", c.getClientContext().getEnvironment());\n'
        "        return out;\n    }\n}\n"
    )
    fn = java(code)
    inv = fn.invoke(
        {},
        client_context={
            "client": {"app_title": "Notes", "installation_id": "i-1"},
            "custom": {"k": "v"},
            "env": {"platform": "iOS"},
        },
    )
    assert inv.status == "success", inv.log_text()
    assert inv.payload == {"app": "Notes", "custom": {"k": "v"}, "env": {"platform": "iOS"}}


def test_system_exit_in_a_static_initializer(java, assert_report_line) -> None:
    code = app(
        "public class Handler {\n    static { System.exit(2); }\n"
        '    public static String handleRequest(Object e) { return "x"; }\n}\n'
    )
    inv = java(code).invoke({})
    assert inv.error == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {inv.request_id} Error: Runtime exited with error: "
        "exit status 2",
    }
    assert_report_line(inv, "error", "Runtime.ExitError")


@pytest.mark.parametrize(("memory", "heap"), [(128, "111411k"), (1024, "891289k")])
def test_jvm_options_from_memory(java, memory: int, heap: str) -> None:
    """java-runtime.md 1: the heap at 85 % of the memory (1024 MB -> 891289k as captured on
    AWS), serial GC, C1 only, preferIPv4Stack, crash reports on stderr."""
    code = app(
        "public class Handler {\n"
        "    public static List<String> handleRequest(Object e) {\n"
        "        return java.lang.management.ManagementFactory.getRuntimeMXBean()"
        ".getInputArguments();\n    }\n}\n"
    )
    inv = java(code, memory=memory).invoke({})
    assert inv.status == "success", inv.log_text()
    args = inv.payload
    assert f"-XX:MaxHeapSize={heap}" in args
    for flag in ("-XX:+UseSerialGC", "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1",
                 "-Djava.net.preferIPv4Stack=true", "-XX:+ErrorFileToStderr"):  # fmt: skip
        assert flag in args
