namespace PaxosActors.Core;

/// <summary>Bytes that are not a valid PaxosActors message, event or value.</summary>
public class PaxosFormatException(string message) : Exception(message);
