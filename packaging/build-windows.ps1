# Build MCP Desk for Windows: the one-folder bundle dist\mcp-desk\ and the installer
# dist\MCP-Desk-Setup-VERSION.exe (Inno Setup 6, from installer.iss).
#
#   powershell -ExecutionPolicy Bypass -File packaging\build-windows.ps1 [-Python py] [-Iscc path\to\ISCC.exe]
#
# The interpreter needs MCP Desk's dependencies and PyInstaller: pip install -e ".[package]".
# For a GPU build of the model runtime, see packaging\README.md before running this.
#
# Code signing, when MCP_DESK_SIGN_COMMAND is set: a command line with $f where the file
# goes, for example
#   signtool sign /fd sha256 /tr http://timestamp.digicert.com /td sha256 /a $f
# It signs mcp-desk.exe before it is packed, then Inno Setup signs the installer and the
# uninstaller with it.
param(
    [string]$Python = "python",
    [string]$Iscc = ""
)
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")

function Invoke-Checked {
    param([string]$Program, [string[]]$Arguments)
    & $Program @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Program $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

$version = & $Python -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])"
if ($LASTEXITCODE -ne 0) { throw "Could not read the version from pyproject.toml" }

Invoke-Checked $Python @("packaging\make_icons.py")
Invoke-Checked $Python @("-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
    "--distpath", "dist", "--workpath", "build\pyinstaller", "packaging\mcp-desk.spec")
$exe = "dist\mcp-desk\mcp-desk.exe"

# The app is a windowed program: it prints nothing here, so only its exit code tells.
$smoke = Start-Process -FilePath $exe -ArgumentList "--smoke-test" -Wait -PassThru -NoNewWindow
if ($smoke.ExitCode -ne 0) { throw "The frozen app's smoke test failed (exit code $($smoke.ExitCode))" }

Invoke-Checked $Python @("packaging\check_installer.py", "--bundle", "dist\mcp-desk")

$sign = $env:MCP_DESK_SIGN_COMMAND
if ($sign) {
    cmd /c ($sign.Replace('$f', "`"$exe`""))
    if ($LASTEXITCODE -ne 0) { throw "Signing $exe failed" }
}

if (-not $Iscc) {
    $Iscc = @(
        "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe",
        "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
        "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe"
    ) | Where-Object { Test-Path $_ } | Select-Object -First 1
    if (-not $Iscc) { throw "Inno Setup 6 was not found. Install it from jrsoftware.org, or pass -Iscc." }
}
$isccArgs = @("/Qp", "/DAppVersion=$version")
if ($sign) { $isccArgs += @("/DSignToolName=mcpdesk", "/Smcpdesk=$sign") }
Invoke-Checked $Iscc ($isccArgs + @("installer.iss"))
Write-Host "Built dist\mcp-desk\ and dist\MCP-Desk-Setup-$version.exe"
