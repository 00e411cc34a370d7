using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/PaxosActors.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
