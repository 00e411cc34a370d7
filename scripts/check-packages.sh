#!/usr/bin/env bash
# Packs every package into a local feed, then, outside the repository, builds and runs a fresh
# project that restores PaxosActors, PaxosActors.Persistence.Sqlite and PaxosActors.Kv from that feed, and installs the paxos
# tool from it. A unique prerelease version keeps NuGet's cache from serving an older build.
set -euo pipefail
cd "$(dirname "$0")/.."
version="0.1.0-check.$(date +%s)"
work="$(mktemp -d)"
# The packages land in NuGet's global cache under this version too: remove them there as well.
trap 'rm -rf "$work" "${NUGET_PACKAGES:-$HOME/.nuget/packages}"/paxosactors*/"$version"' EXIT

dotnet pack PaxosActors.sln -c Release -o "$work/feed" -p:Version="$version" --nologo -v quiet
ls "$work/feed"/*.nupkg | xargs -n1 basename

mkdir "$work/app"
cp scripts/package-smoke/Program.cs "$work/app/"
cat > "$work/app/PackageSmoke.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <WarningsNotAsErrors>NU1603</WarningsNotAsErrors>
    <RestoreAdditionalProjectSources>$work/feed</RestoreAdditionalProjectSources>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="PaxosActors" Version="$version" />
    <PackageReference Include="PaxosActors.Persistence.Sqlite" Version="$version" />
    <PackageReference Include="PaxosActors.Kv" Version="$version" />
  </ItemGroup>
</Project>
XML
(cd "$work/app" && dotnet run -c Release --nologo)

dotnet tool install PaxosActors.Tool --version "$version" --tool-path "$work/tool" --add-source "$work/feed"
"$work/tool/paxos" --help | grep -q "status"
"$work/tool/paxos" lincheck --generate 200 "$work/h.json" > /dev/null
echo "packages $version: the sample ran on them and the paxos tool installed"
