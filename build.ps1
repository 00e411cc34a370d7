#!/usr/bin/env pwsh
# Build targets for PaxosActors. Run with `dotnet tool restore; dotnet pwsh build.ps1 <target>`.
# The README's two commands (demo, tests) do not need this script.
# `mutate` runs Stryker.NET over PaxosActors.Core (see docs/testing.md, "Mutation testing");
# `-Mutate '**/Proposer.cs'` narrows it to some files.
param(
    [ValidateSet('build', 'test', 'demo', 'format', 'ci', 'mutate', 'pack')]
    [string]$Target = 'build',
    [string]$Configuration = 'Release',
    [string[]]$Mutate = @()
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
    # The NuGet packages (PaxosActors, .Core, .Kv, .TestKit, .Hosting, and the paxos tool as
    # PaxosActors.Tool) into artifacts/packages; scripts/check-packages.sh also tries them.
    'pack'   { Invoke-Step 'pack' { dotnet pack PaxosActors.sln -c $Configuration -o artifacts/packages } }
    'mutate' {
        # Each mutant reruns the seed sweep that covers it, and a mutant that breaks liveness runs
        # every seed to its 30 s calm deadline: 100 seeds keep a full run near 35 minutes on two
        # cores (with 300 a run was on course for hours). A caller's own PAXOS_SIM_SEEDS wins.
        if (-not $env:PAXOS_SIM_SEEDS) { $env:PAXOS_SIM_SEEDS = '100' }
        if (-not $env:PAXOS_LEASE_SEEDS) { $env:PAXOS_LEASE_SEEDS = '100' }
        $stryker = @('tool', 'run', 'dotnet-stryker', '--config-file', 'stryker-config.json', '--skip-version-check')
        foreach ($m in $Mutate) { $stryker += @('--mutate', $m) }
        Push-Location tests/PaxosActors.Core.Tests
        try {
            Invoke-Step 'mutate' { dotnet @stryker }
        }
        finally {
            Pop-Location
        }
    }
    'ci'     {
        Invoke-Step 'format' { dotnet format PaxosActors.sln --verify-no-changes }
        Invoke-Step 'test' { dotnet test PaxosActors.sln -c $Configuration }
        Invoke-Step 'packages' { bash scripts/check-packages.sh }
    }
}
