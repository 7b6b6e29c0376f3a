// Generated from bpf/events.h by bpf/layout/gen.c (make -C bpf layout). Do not edit.
// Offsets are in bytes from the start of a record; every record starts with struct event_hdr.

// enum program_id: event_hdr.kind
export const PROG_COMMAND = 0;
export const PROG_DISK = 1;
export const PROG_NETWORK = 2;
export const PROG_COUNT = 3;

// WALK_* bits of a walked path
export const WALK_OK = 1;
export const WALK_DELETED = 2;
export const WALK_CUT = 4;
export const TASK_COMM_LEN = 16;

// struct event_hdr (ktime as the addon leaves it: struct wall_time)
export const HDR_SIZE = 48;
export const HDR_KIND = 0;
export const HDR_PID = 4;
export const HDR_TID = 8;
export const HDR_CGROUP_ID = 16;
export const HDR_KTIME = 24;
export const HDR_COMM = 32;
export const WALL_SEC = 0;
export const WALL_NSEC = 4;

// struct command_event
export const COMMAND_PPID = 48;
export const COMMAND_UID = 52;
export const COMMAND_GID = 56;
export const COMMAND_RET = 60;
export const COMMAND_PATH_LEN = 64;
export const COMMAND_EXE_LEN = 66;
export const COMMAND_ARGS_LEN = 68;
export const COMMAND_ARGS_TRUNCATED = 70;
export const COMMAND_PATH_TRUNCATED = 71;
export const COMMAND_EXE_WALK = 72;
export const COMMAND_DATA = 80;

// struct disk_event
export const DISK_RET = 48;
export const DISK_DFD = 52;
export const DISK_FLAGS = 56;
export const DISK_PATH_LEN = 60;
export const DISK_DIR_LEN = 62;
export const DISK_PATH_TRUNCATED = 64;
export const DISK_DIR_WALK = 65;
export const DISK_COUNT = 68;
export const DISK_LAST_KTIME = 72;
export const DISK_DATA = 80;

// struct network_event
export const NETWORK_SIZE = 96;
export const NETWORK_RET = 48;
export const NETWORK_FAMILY = 52;
export const NETWORK_SPORT = 54;
export const NETWORK_DPORT = 56;
export const NETWORK_SADDR = 64;
export const NETWORK_DADDR = 80;
export const NETWORK_ADDR_LEN = 16;
