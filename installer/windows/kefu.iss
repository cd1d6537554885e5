; Inno Setup 6 script for Kefu on Windows (NOT YET TESTED: prepared on Linux, never compiled).
; Built by installer\windows\build.ps1:  iscc /DKefuVersion=0.1.0 /DKefuExe=kefu-0.1.0-windows-x86_64.exe kefu.iss
; Installs for the current user only (no administrator rights): the program goes to
; %LOCALAPPDATA%\Programs\Kefu, the data stays in %APPDATA%\kefu, which uninstalling keeps.

#ifndef KefuVersion
  #define KefuVersion "0.0.0"
#endif
#ifndef KefuExe
  #define KefuExe "kefu-" + KefuVersion + "-windows-x86_64.exe"
#endif

[Setup]
AppId={{6F0A4D0E-7C1B-4C4E-9A51-3E0B6B1D2A77}
AppName=Kefu 客服
AppVersion={#KefuVersion}
AppPublisher=Kefu
DefaultDirName={localappdata}\Programs\Kefu
DefaultGroupName=Kefu
PrivilegesRequired=lowest
DisableProgramGroupPage=yes
OutputDir=..\..\dist
OutputBaseFilename=kefu-{#KefuVersion}-windows-setup
SetupIconFile=..\kefu.ico
UninstallDisplayIcon={app}\kefu.exe
Compression=lzma2
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
CloseApplications=yes

[Languages]
Name: "zh"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
Name: "en"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"
Name: "autostart"; Description: "Start Kefu when I sign in (keeps serving website visitors)"; Flags: unchecked

[Files]
Source: "..\..\dist\{#KefuExe}"; DestDir: "{app}"; DestName: "kefu.exe"; Flags: ignoreversion

[Icons]
Name: "{group}\Kefu 客服"; Filename: "{app}\kefu.exe"
Name: "{userdesktop}\Kefu 客服"; Filename: "{app}\kefu.exe"; Tasks: desktopicon
Name: "{userstartup}\Kefu 客服"; Filename: "{app}\kefu.exe"; Tasks: autostart

[Run]
Filename: "{app}\kefu.exe"; Description: "{cm:LaunchProgram,Kefu 客服}"; Flags: nowait postinstall skipifsilent

; The data directory (%APPDATA%\kefu) is deliberately not listed under [UninstallDelete]:
; conversations and customer records survive an uninstall, as on Linux.
