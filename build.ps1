#!/usr/bin/env pwsh
# Build targets for PaxosActors. Run with `dotnet tool restore; dotnet pwsh build.ps1 <target>`.
# The README's two commands (demo, tests) do not need this script.
param(
    [ValidateSet('build', 'test', 'demo', 'format', 'ci')]
    [string]$Target = 'build',
    [string]$Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

function Invoke-Step([string]$Name, [scriptblock]$Command) {
    Write-Host "==> $Name" -ForegroundColor Cyan
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$Name failed with exit code $LASTEXITCODE" }
}

switch ($Target) {
    'build'  { Invoke-Step 'build' { dotnet build PaxosActors.sln -c $Configuration } }
    'test'   { Invoke-Step 'test' { dotnet test PaxosActors.sln -c $Configuration } }
    'demo'   { Invoke-Step 'demo' { dotnet run --project src/PaxosActors.Cli -c $Configuration -- demo } }
    'format' { Invoke-Step 'format' { dotnet format PaxosActors.sln --verify-no-changes } }
    'ci'     {
        Invoke-Step 'format' { dotnet format PaxosActors.sln --verify-no-changes }
        Invoke-Step 'test' { dotnet test PaxosActors.sln -c $Configuration }
    }
}
