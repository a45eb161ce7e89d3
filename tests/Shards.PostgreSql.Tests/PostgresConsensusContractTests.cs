using Bulwark.Runtime.Tests.Shards;
using Xunit;

namespace Bulwark.Shards.PostgreSql.Tests;

/// <summary>The consensus contract against a real PostgreSQL server, each test in a fresh schema (no table yet).</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresConsensusContractTests(PostgresServer server) : ConsensusContractTests, IAsyncLifetime
{
    private PostgresConsensus? consensus;

    protected override IConsensus Consensus => consensus ?? throw new InvalidOperationException("The PostgreSQL server did not start.");

    public async Task InitializeAsync()
    {
        if (server.IsRunning)
        {
            consensus = new PostgresConsensus(await server.CreateSchemaAsync());
        }
    }

    public async Task DisposeAsync()
    {
        if (consensus is not null)
        {
            await consensus.DisposeAsync();
        }
    }
}
