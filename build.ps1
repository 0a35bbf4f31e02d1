#!/usr/bin/env pwsh
# ClusterSnek entry point for PowerShell: ./build.ps1 <Target> [--parameter value...]
$ErrorActionPreference = 'Stop'
$Root = $PSScriptRoot
$Out = Join-Path $Root '.nuke/temp/build'
$Stamp = Join-Path $Out '.stamp'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'; $env:DOTNET_NOLOGO = '1'; $env:CLUSTERSNEK_ROOT = $Root

$dotnet = if ($env:DOTNET_EXE) { $env:DOTNET_EXE } else { (Get-Command dotnet -ErrorAction SilentlyContinue)?.Source }
if (-not $dotnet -or -not ((& $dotnet --list-sdks) -match '^10\.')) {
  Write-Error 'The .NET 10 SDK was not found. Install it (https://dot.net/download) or set DOTNET_EXE.'; exit 2
}

$needsBuild = -not (Test-Path $Stamp) -or -not (Test-Path (Join-Path $Out '_build.dll'))
if (-not $needsBuild) {
  $stampTime = (Get-Item $Stamp).LastWriteTimeUtc
  $sources = @(Join-Path $Root 'build') + (Get-ChildItem (Join-Path $Root 'src') -Directory -Filter 'ClusterSnek.*').FullName
  $needsBuild = [bool](Get-ChildItem $sources -Recurse -File | Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' -and $_.LastWriteTimeUtc -gt $stampTime } | Select-Object -First 1)
}
if ($needsBuild) {
  Write-Host 'Building the build project (once; reused until build/ or src/ changes)...'
  & $dotnet build (Join-Path $Root 'build/_build.csproj') -c Release -o $Out --nologo -v quiet
  if ($LASTEXITCODE -ne 0) { Write-Error 'The build project does not compile.'; exit 2 }
  New-Item -ItemType File -Force $Stamp | Out-Null
}
& $dotnet (Join-Path $Out '_build.dll') @args
exit $LASTEXITCODE
