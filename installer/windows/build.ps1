# Build Kefu for Windows: dist\kefu-<version>-windows-x86_64.exe, then the installer with Inno Setup.
# NOT YET TESTED: prepared on Linux, never run on Windows. Run from the repository root in
# PowerShell, with Python 3.11 (python.org, "py" launcher), a C compiler Nuitka accepts
# (Visual Studio Build Tools 2022, or let Nuitka fetch MinGW) and Inno Setup 6 (iscc on PATH).
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

if (-not (Test-Path .venv)) { py -3.11 -m venv .venv }
$py = ".venv\Scripts\python.exe"
& $py -m pip install --quiet --upgrade pip
# pywebview uses the system's WebView2 (Edge) through pythonnet: no Qt on Windows.
& $py -m pip install --quiet -e ".[package]" "pywebview==6.2.1"
$version = & $py -c "import appliance; print(appliance.__version__)"
$name = "kefu-$version-windows-x86_64.exe"
$common = Get-Content installer\nuitka-options.txt | Where-Object { $_ -and -not $_.StartsWith("#") }

# The options shared with Linux (installer/nuitka-options.txt), plus the Windows ones. attach: a double-click opens no
# console window, `kefu.exe serve` in a terminal still prints there.
& $py -m nuitka `
  --onefile `
  --assume-yes-for-downloads `
  --windows-console-mode=attach `
  --windows-icon-from-ico=installer\kefu.ico `
  --company-name=Kefu --product-name="Kefu 客服" --file-version=$version --product-version=$version `
  --output-dir=dist\build `
  --output-filename=$name `
  @common `
  --include-package=tzdata --include-package-data=tzdata `
  --nofollow-import-to=PyQt6,PySide6 `
  --remove-output `
  installer\kefu_entry.py
if ($LASTEXITCODE -ne 0) { throw "nuitka failed" }
Move-Item -Force "dist\build\$name" "dist\$name"
Remove-Item -Recurse -Force dist\build

iscc /DKefuVersion=$version /DKefuExe=$name installer\windows\kefu.iss
if ($LASTEXITCODE -ne 0) { throw "iscc failed" }
Write-Host "built dist\$name and dist\kefu-$version-windows-setup.exe"
