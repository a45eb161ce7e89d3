namespace Bulwark.Analyzers.Tests;

/// <summary>
/// BWK1006 on <c>Interlocked.CompareExchange</c>: reported only where the ignored result decides a write (a later
/// statement of the same block writes shared state as if the swap happened, without reading the location again).
/// </summary>
public sealed class Bwk1006InterlockedTests
{
    private static Task VerifyAsync(string markup) => AnalyzerHarness.VerifyAsync(markup, new IgnoredCompareAndSetResultAnalyzer());

    // ---- positive: the code goes on as if the swap happened ----

    [Fact]
    public Task Discarded_then_a_field_is_written() => VerifyAsync("""
        class Worker
        {
            private const int Idle = 0, Running = 1;
            private int _state;
            private long _startedAt;

            void Start(long now)
            {
                [|Interlocked.CompareExchange(ref _state, Running, Idle)|];
                _startedAt = now;
            }
        }
        """);

    [Fact]
    public Task Ownership_claimed_with_a_null_comparand_then_acted_on() => VerifyAsync("""
        sealed class Lease
        {
            private string? _owner;
            private DateTimeOffset _since;
            private int _renewals;

            public void Acquire(string me, DateTimeOffset now)
            {
                [|Interlocked.CompareExchange(ref _owner, me, null)|];
                _since = now;
                _renewals++;
            }
        }
        """);

    [Fact]
    public Task Every_overload_and_every_kind_of_later_write() => VerifyAsync("""
        sealed class Node { public Node? Next; }

        sealed class Stack
        {
            private Node? _head;
            private int _count;
            private long _version;
            private double _total;
            private nint _handle;
            private readonly byte[]?[] _published = new byte[]?[16];

            public void Push(Node node)
            {
                var old = _head;
                node.Next = old;
                _ = [|Interlocked.CompareExchange<Node?>(ref _head, node, old)|];
                Interlocked.Increment(ref _count);
            }

            public void Publish(long expected, byte[] data)
            {
                var previous = [|Interlocked.CompareExchange(ref _version, expected + 1, expected)|];
                _published[(int)(expected % 16)] = data;
            }

            public void Add(double value, double seen)
            {
                [|Interlocked.CompareExchange(ref _total, seen + value, seen)|];
                if (value > 0)
                {
                    Volatile.Write(ref _count, 1);
                }
            }

            public void Swap(nint next, nint expected, ref int generation)
            {
                [|Interlocked.CompareExchange(ref _handle, next, expected)|];
                generation += 1;
            }
        }
        """);

    [Fact]
    public Task Inside_a_lambda_body() => VerifyAsync("""
        sealed class Gate
        {
            private int _open;
            private int _opens;

            public Action Opener() => () =>
            {
                [|Interlocked.CompareExchange(ref _open, 1, 0)|];
                _opens++;
            };
        }
        """);

    [Fact]
    public async Task Message_names_Interlocked_CompareExchange()
    {
        var diagnostic = Assert.Single(await AnalyzerHarness.GetDiagnosticsAsync("""
            class C
            {
                private int _state;
                private int _owner;

                void M() { Interlocked.CompareExchange(ref _state, 1, 0); _owner = 7; }
            }
            """, new IgnoredCompareAndSetResultAnalyzer()));

        Assert.Equal("Interlocked.CompareExchange(ref _state, 1, 0)", diagnostic.SpanText);
        Assert.StartsWith("The result of 'Interlocked.CompareExchange' is ignored", diagnostic.Message, StringComparison.Ordinal);
    }

    // ---- silent neighbours: the result is used, or nothing acts on it ----

    [Fact]
    public Task Compared_returned_or_assigned_and_checked() => VerifyAsync("""
        class Worker
        {
            private int _state;
            private long _startedAt;
            private Node? _head;

            bool TryStart(long now)
            {
                if (Interlocked.CompareExchange(ref _state, 1, 0) == 0)
                {
                    _startedAt = now;
                    return true;
                }

                return false;
            }

            bool TryStop() => Interlocked.CompareExchange(ref _state, 0, 1) == 1;

            void Checked(long now)
            {
                var previous = Interlocked.CompareExchange(ref _state, 1, 0);
                if (previous != 0)
                {
                    return;
                }

                _startedAt = now;
            }

            void Push(Node node)
            {
                Node? old;
                do
                {
                    old = _head;
                    node.Next = old;
                }
                while (Interlocked.CompareExchange(ref _head, node, old) != old);
                _startedAt++;
            }
        }

        sealed class Node { public Node? Next; }
        """);

    [Fact]
    public Task Lazy_initialisation_that_reads_the_location_again() => VerifyAsync("""
        sealed class Cache
        {
            private Dictionary<string, int>? _entries;
            private object? _instance;
            private bool _created;

            public void Put(string key, int value)
            {
                Interlocked.CompareExchange(ref _entries, new Dictionary<string, int>(), null);
                _entries[key] = value;
            }

            public object Instance()
            {
                Interlocked.CompareExchange(ref _instance, new object(), null);
                _created = true;
                return _instance;
            }
        }
        """);

    [Fact]
    public Task Nothing_after_it_in_its_block_writes_shared_state() => VerifyAsync("""
        sealed class Worker
        {
            private int _state;
            private bool _touched;

            public void Stop()
            {
                Interlocked.CompareExchange(ref _state, 0, 1);
            }

            public void Mark(bool idle)
            {
                if (idle)
                {
                    Interlocked.CompareExchange(ref _state, 1, 0);
                }

                // Runs whether or not the exchange ran: not charged to it.
                _touched = true;
            }

            public int Locals()
            {
                Interlocked.CompareExchange(ref _state, 1, 0);
                var local = 3;
                local++;
                return local;
            }

            public void Exchanges()
            {
                Interlocked.Exchange(ref _state, 1);
                _touched = true;
            }
        }
        """);

    [Fact]
    public Task Later_write_only_inside_a_lambda_is_silent() => VerifyAsync("""
        sealed class Worker
        {
            private int _state;
            private int _runs;

            public Action M()
            {
                Interlocked.CompareExchange(ref _state, 1, 0);
                return () => _runs++;
            }
        }
        """);
}
