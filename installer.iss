; Inno Setup 6 script: the Windows installer of MCP Desk.
;
; packaging\build-windows.ps1 builds the bundle (dist\mcp-desk\) and then runs
;   iscc /DAppVersion=<version from pyproject.toml> installer.iss
; adding, when MCP_DESK_SIGN_COMMAND is set, a sign tool for the installer and uninstaller:
;   /DSignToolName=mcpdesk "/Smcpdesk=<that command, with $f for the file>"
; packaging/check_installer.py checks this file in CI against the built bundle.
;
; Per user, no administrator rights: it installs into %LOCALAPPDATA%\Programs\MCP Desk.
; The AppId never changes, so a newer installer upgrades the installed copy in place.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z installer.iss (packaging\build-windows.ps1 reads it from pyproject.toml)
#endif
#define AppName "MCP Desk"
#define AppExeName "mcp-desk.exe"
#define BundleDir "dist\mcp-desk"
; The value desktop/core/autostart.py writes for "start MCP Desk when I sign in".
#define RunKey "Software\Microsoft\Windows\CurrentVersion\Run"
#define RunValue "MCP Desk"
; MCP bundles (.mcpb files): "Open with" always offers MCP Desk; the task makes it the default.
#define BundleProgId "MCPDesk.Bundle"

[Setup]
AppId={{00BAF143-071B-4E8E-8992-50B45912A53E}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=MCP Desk
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=dist
OutputBaseFilename=MCP-Desk-Setup-{#AppVersion}
SetupIconFile=resources\icons\mcp-desk.ico
UninstallDisplayIcon={app}\{#AppExeName}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
CloseApplications=yes
RestartApplications=no
; Each install asks afresh: an upgrade must not turn "start when I sign in" back on
; after the user turned it off in MCP Desk's settings.
UsePreviousTasks=no
ChangesAssociations=yes
#ifdef SignToolName
SignTool={#SignToolName}
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "startatsignin"; Description: "Start MCP Desk when I sign in"; GroupDescription: "When to start:"; Flags: unchecked
Name: "openbundles"; Description: "Open MCP bundles (.mcpb files) with MCP Desk"; GroupDescription: "Files:"

[InstallDelete]
; An upgrade replaces the whole runtime folder, so no file of the older version is left behind.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\{#AppExeName}"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#BundleDir}\_internal\*"; DestDir: "{app}\_internal"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Tasks: desktopicon

[Registry]
Root: HKCU; Subkey: "{#RunKey}"; ValueType: string; ValueName: "{#RunValue}"; ValueData: """{app}\{#AppExeName}"""; Tasks: startatsignin
Root: HKCU; Subkey: "Software\Classes\{#BundleProgId}"; ValueType: string; ValueName: ""; ValueData: "MCP bundle"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\{#BundleProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExeName},0"
Root: HKCU; Subkey: "Software\Classes\{#BundleProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExeName}"" ""%1"""
Root: HKCU; Subkey: "Software\Classes\.mcpb\OpenWithProgids"; ValueType: string; ValueName: "{#BundleProgId}"; ValueData: ""; Flags: uninsdeletevalue
Root: HKCU; Subkey: "Software\Classes\.mcpb"; ValueType: string; ValueName: ""; ValueData: "{#BundleProgId}"; Flags: uninsdeletevalue; Tasks: openbundles

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
var
  DeleteUserData: Boolean;

function UserDataDir(): String;
begin
  { Where MCP Desk keeps settings, chats, models, logs and the audit trail (platformdirs). }
  Result := ExpandConstant('{localappdata}\{#AppName}');
end;

function AskAboutUserData(): Boolean;
var
  Form: TSetupForm;
  Note: TNewStaticText;
  Box: TNewCheckBox;
  UninstallButton, CancelButton: TNewButton;
begin
  Form := CreateCustomForm();
  try
    Form.ClientWidth := ScaleX(440);
    Form.ClientHeight := ScaleY(160);
    Form.Caption := 'Uninstall {#AppName}';
    Note := TNewStaticText.Create(Form);
    Note.Parent := Form;
    Note.Left := ScaleX(16);
    Note.Top := ScaleY(16);
    Note.Width := Form.ClientWidth - ScaleX(32);
    Note.WordWrap := True;
    Note.Caption := '{#AppName} will be removed from this computer. Your settings, chats, ' +
      'downloaded models and audit trail are kept, so installing it again brings them back.';
    Box := TNewCheckBox.Create(Form);
    Box.Parent := Form;
    Box.Left := ScaleX(16);
    Box.Top := ScaleY(76);
    Box.Width := Form.ClientWidth - ScaleX(32);
    Box.Height := ScaleY(20);
    Box.Caption := 'Also delete my settings, chats, models and audit trail';
    Box.Checked := False;
    UninstallButton := TNewButton.Create(Form);
    UninstallButton.Parent := Form;
    UninstallButton.Caption := 'Uninstall';
    UninstallButton.Width := ScaleX(90);
    UninstallButton.Height := ScaleY(26);
    UninstallButton.Left := Form.ClientWidth - ScaleX(200);
    UninstallButton.Top := Form.ClientHeight - ScaleY(42);
    UninstallButton.ModalResult := mrOk;
    UninstallButton.Default := True;
    CancelButton := TNewButton.Create(Form);
    CancelButton.Parent := Form;
    CancelButton.Caption := 'Cancel';
    CancelButton.Width := ScaleX(90);
    CancelButton.Height := ScaleY(26);
    CancelButton.Left := Form.ClientWidth - ScaleX(104);
    CancelButton.Top := Form.ClientHeight - ScaleY(42);
    CancelButton.ModalResult := mrCancel;
    CancelButton.Cancel := True;
    Form.ActiveControl := UninstallButton;
    Result := Form.ShowModal() = mrOk;
    DeleteUserData := Result and Box.Checked;
  finally
    Form.Free();
  end;
end;

function InitializeUninstall(): Boolean;
begin
  DeleteUserData := False;
  { A silent uninstall keeps everything the user made. }
  if UninstallSilent() then
    Result := True
  else
    Result := AskAboutUserData();
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usUninstall then
    { MCP Desk itself may have written this value (Settings > start when I sign in). }
    RegDeleteValue(HKEY_CURRENT_USER, '{#RunKey}', '{#RunValue}');
  if (CurUninstallStep = usPostUninstall) and DeleteUserData then
    DelTree(UserDataDir(), True, True, True);
end;
