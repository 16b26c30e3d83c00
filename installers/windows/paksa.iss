; Inno Setup script: Paksa Desktop for Windows (64-bit), from the PyInstaller one-folder bundle.
;
; Built by installers\windows\build-windows.ps1, which runs PyInstaller and then:
;   iscc /DAppVersion=0.1.0 /DSourceDir=..\..\dist\paksa-desktop /DIconFile=..\..\build\icons\paksa.ico installers\windows\paksa.iss
; AppVersion comes from pyproject.toml (the one place); it must be given, there is no default.
;
; Installs per machine to Program Files (or per user when not elevated: the dialog asks), a Start-menu
; entry, an optional desktop icon, the .paksa file association (double-click opens the company) and
; an uninstaller (Settings > Apps). Company files are never removed by the uninstaller.

#ifndef AppVersion
  #error AppVersion is not defined: run build-windows.ps1, or iscc /DAppVersion=X.Y.Z
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\paksa-desktop"
#endif
#ifndef IconFile
  #define IconFile "..\..\build\icons\paksa.ico"
#endif
#define AppName "Paksa Desktop"
; paksaw.exe is the windowed program (no console window); paksa.exe beside it is the command line
#define AppExe "paksaw.exe"

[Setup]
; AppId identifies the product for upgrades and uninstall: never change it
AppId={{6C1E3C9B-4E1F-4F7C-9D6A-2B7F0D5A9E41}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Paksa
AppPublisherURL=https://paksa.invalid/
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\Paksa Desktop
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
LicenseFile=..\..\LICENSE
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
OutputDir=..\..\dist
OutputBaseFilename=PaksaDesktop-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "{#IconFile}"; DestDir: "{app}"; DestName: "paksa.ico"; Flags: ignoreversion

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; IconFilename: "{app}\paksa.ico"; Comment: "Double-entry financial management"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; IconFilename: "{app}\paksa.ico"; Tasks: desktopicon

[Registry]
; .paksa -> Paksa.Company -> "paksa.exe" "%1" (HKA: HKLM for an admin install, HKCU for a per-user one)
Root: HKA; Subkey: "Software\Classes\.paksa"; ValueType: string; ValueName: ""; ValueData: "Paksa.Company"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.paksa"; ValueType: string; ValueName: "Content Type"; ValueData: "application/x-paksa-company"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\Paksa.Company"; ValueType: string; ValueName: ""; ValueData: "Paksa company"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Paksa.Company\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\paksa.ico,0"
Root: HKA; Subkey: "Software\Classes\Paksa.Company\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: ".paksa"; ValueData: ""; Flags: uninsdeletekey

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
