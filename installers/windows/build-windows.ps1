# Build the Windows installer of Paksa Desktop: PyInstaller bundle, icons, then Inno Setup.
#
#   powershell -ExecutionPolicy Bypass -File installers\windows\build-windows.ps1
#
# Needs: Python 3.11+ (python.org, "py" launcher), Inno Setup 6 (iscc.exe on PATH, or in its default
# folder). Output: dist\paksa-desktop\ (the bundle) and dist\PaksaDesktop-VERSION-setup.exe.
# Sign both with signtool before publishing (see installers\README.md).
$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest

$Root = (Resolve-Path (Join-Path $PSScriptRoot "..\..")).Path
Set-Location $Root
$Venv = if ($env:PAKSA_BUILD_VENV) { $env:PAKSA_BUILD_VENV } else { Join-Path $Root ".venv-build" }
$Py = Join-Path $Venv "Scripts\python.exe"

function Say($text) { Write-Host "==> $text" }

if (-not (Test-Path $Py)) {
    Say "build venv: creating $Venv"
    py -3.11 -m venv $Venv
    if ($LASTEXITCODE -ne 0) { throw "could not create the build venv (is Python 3.11 installed with the py launcher?)" }
}
Say "build venv: pip install -c constraints.txt -e .[packaging]"
& $Py -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[packaging]"
if ($LASTEXITCODE -ne 0) { throw "pip install failed" }

$Version = & $Py -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])"
Say "version $Version (pyproject.toml)"

Say "icons: build\icons\paksa.ico from resources\icons\app.svg (Qt offscreen)"
$env:QT_QPA_PLATFORM = "offscreen"
& $Py installers\render_icons.py build\icons
if ($LASTEXITCODE -ne 0) { throw "rendering the icons failed" }
Remove-Item Env:\QT_QPA_PLATFORM

Say "bundle: PyInstaller"
& $Py -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build\pyinstaller installers\paksa.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
$Found = & dist\paksa-desktop\paksa.exe --version
if ($Found -ne "paksa $Version") { throw "the bundle says '$Found', expected 'paksa $Version'" }

$Iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $Iscc) { $Iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $Iscc)) { throw "Inno Setup 6 not found: install it from https://jrsoftware.org/isdl.php" }
Say "installer: Inno Setup"
& $Iscc "/DAppVersion=$Version" "/DSourceDir=$Root\dist\paksa-desktop" "/DIconFile=$Root\build\icons\paksa.ico" installers\windows\paksa.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
Say "done: dist\PaksaDesktop-$Version-setup.exe"
