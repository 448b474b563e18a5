"""CODE_SANDBOX* settings reach the sandbox; bad limits are refused at construction."""
from __future__ import annotations

import pytest
from injector import Injector

from app.http.sandbox_module import SandboxModule, sandbox_settings
from config import Config
from pkg.sandbox import CodeSandbox, SandboxLimits, SandboxUnavailable


def test_settings_map_to_limits(tmp_path):
    conf = Config(_env_file=None, INSTANCE_DIR=tmp_path, CODE_SANDBOX_TIMEOUT_SECONDS=3, CODE_SANDBOX_CPU_SECONDS=2,
                  CODE_SANDBOX_MEMORY_MB=64, CODE_SANDBOX_MAX_IO_BYTES=5000, CODE_SANDBOX_POOL_SIZE=4)
    settings = sandbox_settings(conf)
    assert settings.mode == "bwrap" and settings.pool_size == 4
    assert (settings.limits.wall_seconds, settings.limits.cpu_seconds) == (3, 2)
    assert settings.limits.memory_bytes == 64 * 1024 * 1024
    assert settings.limits.max_input_bytes == settings.limits.max_output_bytes == 5000


def test_one_sandbox_per_injector_and_disabled_means_refused(tmp_path):
    conf = Config(_env_file=None, INSTANCE_DIR=tmp_path, CODE_SANDBOX="disabled")
    injector = Injector([SandboxModule(conf)])
    box = injector.get(CodeSandbox)
    assert injector.get(CodeSandbox) is box
    with pytest.raises(SandboxUnavailable, match="CODE_SANDBOX is disabled"):
        box.run("def main(p):\n    return {}\n", {})


def test_an_unknown_mode_is_a_configuration_error(tmp_path):
    with pytest.raises(ValueError, match="CODE_SANDBOX"):
        Config(_env_file=None, INSTANCE_DIR=tmp_path, CODE_SANDBOX="none")


@pytest.mark.parametrize("field", ["wall_seconds", "memory_bytes", "max_output_bytes"])
def test_limits_must_be_positive(field):
    with pytest.raises(ValueError, match=field):
        SandboxLimits(**{field: 0})
