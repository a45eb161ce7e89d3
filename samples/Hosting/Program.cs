using Bulwark.Hosting;
using HostingSample;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// The content root is the program's folder, so appsettings.json is found wherever the sample is started from; the
// relative data paths in it are under that folder too. Any key can be overridden on the command line, e.g.
// --Bulwark:Ingest:crawl:Path=/tmp/crawl.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.Services.AddBulwark(builder.Configuration)
    .AddCheckpointer()
    .AddIngest("crawl")
    .AddShard<HostRank>("ranks");

builder.Services.Configure<WorkloadOptions>(builder.Configuration.GetSection("Workload"));

// Registered after AddBulwark: the host starts the components first and stops them last, after the workload.
builder.Services.AddHostedService<Workload>();

using var host = builder.Build();
await host.RunAsync();
return Environment.ExitCode;
