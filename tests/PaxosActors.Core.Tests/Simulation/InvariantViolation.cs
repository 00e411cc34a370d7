namespace PaxosActors.Core.Tests.Simulation;

/// <summary>A safety or liveness property of DESIGN.md failed in a simulated run.</summary>
internal sealed class InvariantViolation(string message) : Exception(message);
