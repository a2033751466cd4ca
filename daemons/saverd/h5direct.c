#include "h5direct.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diopipe.h"
#include "dioplan.h"

/* As sec2: the largest address an off_t reaches. */
#define S_MAXADDR (((haddr_t) 1 << (8 * sizeof(off_t) - 1)) - 1)
struct s_file {
    H5FD_t pub;  /* first: HDF5 casts between the two */
    int fd;      /* through the page cache: metadata, heads, tails; the POSIX handle */
    int dfd;     /* O_DIRECT: the aligned bodies of large raw-data writes; -1 if none */
    int refused; /* why there is no @dfd (errno), 0 if there is or none was asked for */
    struct dio_align align;
    diopipe_t *pipe; /* the unaligned bodies' copy and write, made at the first one */
    haddr_t eoa, eof;
    dev_t device;
    ino_t inode;
    bool ignore_disabled_locks; /* flock() not supported is no error (BEST_EFFORT) */
};

static hid_t s_driver = H5I_INVALID_HID;

/* ---- opening, closing, comparing ---- */

/* As sec2 reads it: the file access property list, unless HDF5_USE_FILE_LOCKING says. */
static void
s_locking(struct s_file *f, hid_t fapl)
{
    const char *env = getenv("HDF5_USE_FILE_LOCKING");
    hbool_t use = 1, ignore = 0;

    if (env && strcmp(env, "BEST_EFFORT") == 0)
        ignore = 1;
    else if (!env && fapl >= 0 && H5Pget_file_locking(fapl, &use, &ignore) < 0)
        ignore = 0;
    f->ignore_disabled_locks = ignore;
}

static void
s_open_direct(struct s_file *f, const char *name)
{
    int r = dioplan_query(f->fd, &f->align);

    if (r == 0) {
        f->dfd = open(name, O_WRONLY | O_DIRECT | O_CLOEXEC);
        if (f->dfd < 0)
            r = -errno;
    }
    f->refused = -r;
}

static H5FD_t *
s_open(const char *name, unsigned flags, hid_t fapl, haddr_t maxaddr)
{
    int o_flags = (flags & H5F_ACC_RDWR) ? O_RDWR : O_RDONLY;
    struct s_file *f;
    struct stat st;

    if (!name || !*name || maxaddr == 0 || maxaddr == HADDR_UNDEF || (maxaddr & ~S_MAXADDR))
        return NULL;
    o_flags |= (flags & H5F_ACC_TRUNC ? O_TRUNC : 0) | (flags & H5F_ACC_CREAT ? O_CREAT : 0)
               | (flags & H5F_ACC_EXCL ? O_EXCL : 0);
    f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->dfd = -1;
    f->fd = open(name, o_flags | O_CLOEXEC, 0666);
    if (f->fd < 0 || fstat(f->fd, &st) < 0) {
        if (f->fd >= 0)
            (void) close(f->fd);
        free(f);
        return NULL;
    }
    f->eof = (haddr_t) st.st_size;
    f->device = st.st_dev;
    f->inode = st.st_ino;
    s_locking(f, fapl);
    if (flags & H5F_ACC_RDWR)
        s_open_direct(f, name);
    return &f->pub;
}

static herr_t
s_close(H5FD_t *file)
{
    struct s_file *f = (struct s_file *) file;
    int r = 0;

    if (f->dfd >= 0 && close(f->dfd) < 0)
        r = -1;
    if (close(f->fd) < 0)
        r = -1;
    diopipe_destroy(&f->pipe);
    free(f);
    return r;
}

static int
s_cmp(const H5FD_t *a, const H5FD_t *b)
{
    const struct s_file *f1 = (const struct s_file *) a, *f2 = (const struct s_file *) b;

    if (f1->device != f2->device)
        return f1->device < f2->device ? -1 : 1;
    if (f1->inode != f2->inode)
        return f1->inode < f2->inode ? -1 : 1;
    return 0;
}

/* sec2's features, SWMR among them. */
static herr_t
s_query(const H5FD_t *file, unsigned long *flags)
{
    (void) file;
    if (flags)
        *flags = H5FD_FEAT_AGGREGATE_METADATA | H5FD_FEAT_ACCUMULATE_METADATA | H5FD_FEAT_DATA_SIEVE
                 | H5FD_FEAT_AGGREGATE_SMALLDATA | H5FD_FEAT_POSIX_COMPAT_HANDLE
                 | H5FD_FEAT_SUPPORTS_SWMR_IO | H5FD_FEAT_DEFAULT_VFD_COMPATIBLE;
    return 0;
}

static haddr_t
s_get_eoa(const H5FD_t *file, H5FD_mem_t type)
{
    (void) type;
    return ((const struct s_file *) file)->eoa;
}

static herr_t
s_set_eoa(H5FD_t *file, H5FD_mem_t type, haddr_t addr)
{
    (void) type;
    ((struct s_file *) file)->eoa = addr;
    return 0;
}

static haddr_t
s_get_eof(const H5FD_t *file, H5FD_mem_t type)
{
    (void) type;
    return ((const struct s_file *) file)->eof;
}

static herr_t
s_get_handle(H5FD_t *file, hid_t fapl, void **handle)
{
    (void) fapl;
    if (!handle)
        return -1;
    *handle = &((struct s_file *) file)->fd;
    return 0;
}

/* ---- reading and writing ---- */

static bool
s_out_of_range(const struct s_file *f, haddr_t addr, size_t size)
{
    return addr == HADDR_UNDEF || (addr & ~S_MAXADDR) || ((haddr_t) size & ~S_MAXADDR)
           || addr + size > f->eoa;
}

/* As sec2: what lies past the end of the file reads as zeros. */
static herr_t
s_read(H5FD_t *file, H5FD_mem_t type, hid_t dxpl, haddr_t addr, size_t size, void *buf)
{
    struct s_file *f = (struct s_file *) file;
    uint8_t *p = buf;

    (void) type;
    (void) dxpl;
    if (s_out_of_range(f, addr, size))
        return -1;
    while (size > 0) {
        ssize_t n = pread(f->fd, p, size, (off_t) addr);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            memset(p, 0, size);
            break;
        }
        p += n;
        addr += (haddr_t) n;
        size -= (size_t) n;
    }
    return 0;
}

/* The aligned body: straight from @p if it is aligned, else through the pipe's aligned slots.
 * A body the descriptor refuses (EINVAL: the file system would not after all) goes through
 * the page cache from where it failed, and so does the rest of the file. */
static int
s_write_body(struct s_file *f, const uint8_t *p, size_t size, uint64_t addr, bool bounce)
{
    size_t done = 0;
    int r;

    if (bounce && !f->pipe) {
        f->pipe = diopipe_new(f->align.mem > f->align.block ? f->align.mem : f->align.block);
        if (!f->pipe)
            return -ENOMEM;
    }
    if (bounce)
        r = diopipe_write(f->pipe, f->dfd, p, size, addr, &done);
    else
        r = diopipe_pwrite_all(f->dfd, p, size, addr);
    if (r == -EINVAL) {
        (void) close(f->dfd);
        f->dfd = -1;
        f->refused = EINVAL;
        return diopipe_pwrite_all(f->fd, p + done, size - done, addr + done);
    }
    return r;
}

static herr_t
s_write(H5FD_t *file, H5FD_mem_t type, hid_t dxpl, haddr_t addr, size_t size, const void *buf)
{
    struct s_file *f = (struct s_file *) file;
    const uint8_t *p = buf;
    struct dio_split s = { .head = size };
    int r;

    (void) dxpl;
    if (s_out_of_range(f, addr, size))
        return -1;
    if (type == H5FD_MEM_DRAW && f->dfd >= 0)
        dioplan_split(&f->align, addr, buf, size, H5DIRECT_MIN_BYTES, &s);
    r = diopipe_pwrite_all(f->fd, p, (size_t) s.head, addr);
    if (r == 0 && s.body)
        r = s_write_body(f, p + s.head, (size_t) s.body, addr + s.head, s.bounce);
    if (r == 0 && s.tail)
        r = diopipe_pwrite_all(f->fd, p + s.head + s.body, (size_t) s.tail, addr + s.head + s.body);
    if (r < 0) {
        errno = -r;
        return -1;
    }
    if (addr + size > f->eof)
        f->eof = addr + size;
    return 0;
}

static herr_t
s_truncate(H5FD_t *file, hid_t dxpl, hbool_t closing)
{
    struct s_file *f = (struct s_file *) file;

    (void) dxpl;
    (void) closing;
    if (f->eoa == f->eof)
        return 0;
    if (ftruncate(f->fd, (off_t) f->eoa) < 0)
        return -1;
    f->eof = f->eoa;
    return 0;
}

static herr_t
s_lock(H5FD_t *file, hbool_t rw)
{
    struct s_file *f = (struct s_file *) file;

    if (flock(f->fd, (rw ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0)
        return 0;
    return errno == ENOSYS && f->ignore_disabled_locks ? 0 : -1;
}

static herr_t
s_unlock(H5FD_t *file)
{
    struct s_file *f = (struct s_file *) file;

    if (flock(f->fd, LOCK_UN) == 0)
        return 0;
    return errno == ENOSYS && f->ignore_disabled_locks ? 0 : -1;
}

static const H5FD_class_t s_class = {
    .name = "camstack_direct",
    .maxaddr = S_MAXADDR,
    .fc_degree = H5F_CLOSE_WEAK,
    .open = s_open,
    .close = s_close,
    .cmp = s_cmp,
    .query = s_query,
    .get_eoa = s_get_eoa,
    .set_eoa = s_set_eoa,
    .get_eof = s_get_eof,
    .get_handle = s_get_handle,
    .read = s_read,
    .write = s_write,
    .truncate = s_truncate,
    .lock = s_lock,
    .unlock = s_unlock,
    .fl_map = H5FD_FLMAP_DICHOTOMY,
};

/* ---- the driver as saverd uses it ---- */

static hid_t
s_driver_id(void)
{
    if (H5Iis_valid(s_driver) <= 0)
        s_driver = H5FDregister(&s_class);
    return s_driver;
}

hid_t
h5direct_fapl(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), id = s_driver_id();

    if (fapl < 0 || id < 0 || H5Pset_driver(fapl, id, NULL) < 0
        || H5Pset_alignment(fapl, H5DIRECT_MIN_BYTES, H5DIRECT_ALIGNMENT) < 0) {
        if (fapl >= 0)
            (void) H5Pclose(fapl);
        return H5I_INVALID_HID;
    }
    return fapl;
}

bool
h5direct_active(hid_t file, int *reterr_refused)
{
    hid_t fapl = H5Fget_access_plist(file);
    bool ours = fapl >= 0 && H5Pget_driver(fapl) == s_driver && s_driver >= 0;
    void *handle = NULL;
    const struct s_file *f;

    *reterr_refused = 0;
    if (fapl >= 0)
        (void) H5Pclose(fapl);
    if (!ours || H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) < 0 || !handle)
        return false;
    /* The handle is the address of the file's page-cache descriptor. */
    f = (const struct s_file *) (const void *) ((const char *) handle
                                                - offsetof(struct s_file, fd));
    *reterr_refused = f->refused;
    return f->dfd >= 0;
}
