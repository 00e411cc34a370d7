using OpenTelemetry;
using OpenTelemetry.Metrics;
using PaxosActors.Core;

namespace PaxosActors.Cli.Metrics;

/// <summary>
/// Serves the PaxosActors meter (every node of this process, each count tagged with its group
/// and node) as Prometheus text at <c>http://localhost:PORT/metrics</c>, through OpenTelemetry's
/// Prometheus exporter, until disposed. `paxos node --metrics-port PORT` runs one.
/// </summary>
internal static class MetricsEndpoint
{
    public static MeterProvider Start(int port, string host = "localhost") =>
        Sdk.CreateMeterProviderBuilder()
            .AddMeter(Breakpoints.MeterName)
            .AddPrometheusHttpListener(o =>
            {
                o.Host = host;
                o.Port = port;
            })
            .Build();
}
